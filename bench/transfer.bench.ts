/**
 * Transfer benchmark: the API server against nginx, on the same machine, in the same run.
 *
 * Uploads and downloads one file (1 GiB of random bytes by default) through
 *   - the API:   PUT /api/v1/folders/root/files/<name>?onConflict=replace, GET /api/v1/files/<id>/content
 *   - nginx:     PUT /<name> (dav module), GET /<name> (sendfile)
 * with the same client (curl) for both, alternating which side goes first each round, and samples
 * the API server's resident memory while it runs. Prints medians, ratios API/nginx against the
 * targets, and the RSS growth; writes the same as JSON to bench/results/transfer-latest.json.
 *
 * Environment:
 *   BENCH_SIZE_MIB   file size in MiB (default 1024)
 *   BENCH_ROUNDS     rounds (default 3)
 *   BENCH_TMPDIR     where the temporary directory goes (default the OS temp dir); needs ~4× the size free
 *   BENCH_NGINX      the nginx binary (default /usr/sbin/nginx)
 *   BENCH_CPU_PROF   a directory: run the API server with --cpu-prof and write its profile there
 *
 * Exit status: 0 when the benchmark ran (even if a target is missed), 1 on any error.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes, randomFillSync } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const MiB = 1024 * 1024;
const REPO = path.resolve(import.meta.dirname, '..');
const RESULTS_DIR = path.join(REPO, 'bench', 'results');
const TARGET_RATIO = 0.8;
const TARGET_RSS_GROWTH_MIB = 100;
const SAMPLE_INTERVAL_MS = 50;

type Side = 'api' | 'nginx';
type Op = 'upload' | 'download';

interface Transfer {
  round: number;
  op: Op;
  side: Side;
  bytes: number;
  seconds: number;
  mibPerSecond: number;
  /** Monotonic clock (µs, the clock of `node --cpu-prof` profiles), to slice a profile by transfer. */
  startedUs: number;
  endedUs: number;
  /** How long the `sync` after the transfer took: the dirty pages it left (the API fsyncs before answering, nginx does not). */
  syncSeconds: number;
  /** CPU time (user + system, all threads and worker processes) the server spent during the transfer. */
  serverCpuSeconds: number;
  /** The API server's highest sampled RSS during this transfer (MiB); only for the API side. */
  peakRssMiB?: number;
}

class BenchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BenchError';
  }
}

// ---------------------------------------------------------------------------------------------
// Settings

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    console.error(`${name} must be a whole number ≥ 1, got "${raw}"`);
    process.exit(1);
  }
  return Number(raw);
}

const SIZE_MIB = positiveInt('BENCH_SIZE_MIB', 1024);
const ROUNDS = positiveInt('BENCH_ROUNDS', 3);
const SIZE = SIZE_MIB * MiB;
const NGINX = process.env.BENCH_NGINX?.trim() || '/usr/sbin/nginx';
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF?.trim()
  ? path.resolve(process.env.BENCH_CPU_PROF.trim())
  : undefined;

/** The server needs Node 24; use this process's node when it is one, else the repo's pinned one. */
function serverNode(): string {
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= 24) return process.execPath;
  const pinned = path.join(REPO, 'node_modules', '.bin', 'node');
  if (existsSync(pinned)) return pinned;
  throw new BenchError(`Node ${process.versions.node} is too old for the server and ${pinned} is missing`);
}

// ---------------------------------------------------------------------------------------------
// Child processes and clean-up

const children = new Set<ChildProcess>();
/** Children started in a process group of their own (nginx: master and workers), killed as a group. */
const groups = new WeakSet<ChildProcess>();
let tempDir: string | undefined;
let cleanedUp = false;

/** Synchronous, so it also works from process.on('exit'). */
function cleanUpSync() {
  if (cleanedUp) return;
  cleanedUp = true;
  for (const child of children) kill(child, 'SIGKILL');
  if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
}

process.on('exit', cleanUpSync);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping`);
    cleanUpSync();
    process.exit(130);
  });
}

function track(child: ChildProcess, ownGroup = false): ChildProcess {
  children.add(child);
  if (ownGroup) groups.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

/** Signals a child that is still running, and its whole process group if it leads one. */
function kill(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    if (groups.has(child)) process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {}
}

/** Asks a child to stop, and kills it if it has not after `graceMs`. */
async function stopChild(child: ChildProcess, signal: NodeJS.Signals, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => kill(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (asynchronously, so the RSS sampler keeps ticking). */
function run(command: string, args: string[]): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = track(spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    let stdout = '';
    let stderr = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function version(command: string, args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(command, args);
    return `${stdout}${stderr}`.split('\n')[0]?.trim() ?? '';
  } catch {
    return 'unknown';
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `url` until `ready(status)` or the deadline; fails early if `child` died. */
async function waitFor(url: string, child: ChildProcess, what: string, logFile: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new BenchError(
        `${what} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${tail(logFile)}`,
      );
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      return response.status;
    } catch {}
    await sleep(100);
  }
  throw new BenchError(`${what} did not answer ${url} within ${timeoutMs / 1000} s:\n${tail(logFile)}`);
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// ---------------------------------------------------------------------------------------------
// Test file

/** Writes `size` random bytes to `file` and returns their SHA-256 (hex). */
function makeRandomFile(file: string, size: number): string {
  const hash = createHash('sha256');
  const chunk = Buffer.allocUnsafe(8 * MiB);
  const fd = openSync(file, 'wx');
  try {
    for (let written = 0; written < size; ) {
      const n = Math.min(chunk.length, size - written);
      const piece = chunk.subarray(0, n);
      randomFillSync(piece);
      hash.update(piece);
      for (let off = 0; off < n; ) off += writeSync(fd, piece, off, n - off);
      written += n;
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

// ---------------------------------------------------------------------------------------------
// nginx

function nginxConf(dir: string, port: number): string {
  const p = (name: string) => path.join(dir, name);
  // Running as root, the workers would switch to "nobody" and could not write the temp dir.
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  return `# generated by bench/transfer.bench.ts
${user}worker_processes 1;
daemon off;
pid ${p('nginx.pid')};
error_log ${p('error.log')} warn;
events { worker_connections 64; }
http {
  access_log ${p('access.log')};
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  keepalive_timeout 65;
  client_max_body_size 0;
  client_body_temp_path ${p('client_body_temp')};
  proxy_temp_path ${p('proxy_temp')};
  fastcgi_temp_path ${p('fastcgi_temp')};
  uwsgi_temp_path ${p('uwsgi_temp')};
  scgi_temp_path ${p('scgi_temp')};
  server {
    listen 127.0.0.1:${port};
    root ${p('www')};
    location / {
      dav_methods PUT;
      create_full_put_path on;
      dav_access user:rw;
    }
  }
}
`;
}

async function startNginx(dir: string) {
  mkdirSync(path.join(dir, 'www'), { recursive: true });
  mkdirSync(path.join(dir, 'client_body_temp'), { recursive: true });
  const port = await freePort();
  const conf = path.join(dir, 'nginx.conf');
  writeFileSync(conf, nginxConf(dir, port));
  const errorLog = path.join(dir, 'error.log');
  const check = await run(NGINX, ['-t', '-q', '-p', dir, '-c', conf, '-e', errorLog]);
  if (check.code !== 0)
    throw new BenchError(`nginx -t failed:\n${check.stderr}${check.stdout}\n${tail(errorLog)}`);
  // Its own process group, so that killing it never leaves a worker behind.
  const child = track(
    spawn(NGINX, ['-p', dir, '-c', conf, '-e', errorLog], {
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    }),
    true,
  );
  child.stderr?.setEncoding('utf8').on('data', (text: string) => process.stderr.write(`[nginx] ${text}`));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/`, child, 'nginx', errorLog);
  return { child, url };
}

// ---------------------------------------------------------------------------------------------
// API server

async function startApi(dir: string) {
  const port = await freePort();
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'api.log');
  const log = openSync(logFile, 'w');
  const args = ['server/src/main.ts'];
  if (CPU_PROF_DIR !== undefined) {
    mkdirSync(CPU_PROF_DIR, { recursive: true });
    args.unshift('--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`);
  }
  const child = track(
    spawn(serverNode(), args, {
      cwd: REPO,
      stdio: ['ignore', log, log],
      detached: true,
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    }),
    true,
  );
  closeSync(log);
  const url = `http://127.0.0.1:${port}/api/v1`;
  const status = await waitFor(`${url}/health`, child, 'the API server', logFile);
  if (status !== 200) throw new BenchError(`GET /api/v1/health answered ${status}:\n${tail(logFile)}`);

  const response = await fetch(`${url}/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'bench', password: randomBytes(18).toString('base64url') }),
  });
  const body = (await response.json()) as { token?: string };
  if (response.status !== 201 || typeof body.token !== 'string') {
    throw new BenchError(`POST /api/v1/auth/register answered ${response.status}: ${JSON.stringify(body)}`);
  }
  return { child, url, token: body.token, logFile };
}

// ---------------------------------------------------------------------------------------------
// Memory of the API server

function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'),
    );
    return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

class RssSampler {
  readonly pid: number;
  peak = 0;
  /** The peak since the last call to `window()`. */
  windowPeak = 0;
  samples = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(pid: number) {
    this.pid = pid;
  }

  sample() {
    const rss = statusField(this.pid, 'VmRSS');
    if (rss === undefined) return;
    this.samples++;
    if (rss > this.peak) this.peak = rss;
    if (rss > this.windowPeak) this.windowPeak = rss;
  }

  start() {
    this.sample();
    this.timer = setInterval(() => this.sample(), SAMPLE_INTERVAL_MS);
  }

  stop() {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.sample();
  }

  window(): number {
    const peak = this.windowPeak;
    this.windowPeak = 0;
    return peak;
  }
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on every Linux architecture we run on). */
const USER_HZ = 100;

/** User + system CPU seconds of the processes `pids` (all their threads), from /proc. */
function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // Fields after the command name (which may contain spaces) start at field 3; utime and stime are 14 and 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {}
  }
  return ticks / USER_HZ;
}

/** `pid` and its direct children (nginx's master and workers). */
function withChildren(pid: number): number[] {
  const pids = [pid];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const match = /^PPid:\s+(\d+)$/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'));
      if (Number(match?.[1]) === pid) pids.push(Number(entry));
    } catch {}
  }
  return pids;
}

/** Resets the kernel's VmHWM (peak RSS) counter of `pid` (Linux ≥ 4.0, writing "5" to clear_refs). */
function resetHwm(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------
// Transfers, through curl for both sides

const CURL_BASE = ['--silent', '--show-error', '--fail', '--http1.1', '--noproxy', '*'];

function parseCurl(result: RunResult, what: string) {
  if (result.code !== 0) throw new BenchError(`${what}: curl exited ${result.code}: ${result.stderr.trim()}`);
  const [status, bytes, seconds] = result.stdout.trim().split(' ').map(Number);
  if (status === undefined || bytes === undefined || seconds === undefined || !(seconds > 0)) {
    throw new BenchError(`${what}: unexpected curl output "${result.stdout}"`);
  }
  return { status, bytes, seconds };
}

async function curlUpload(url: string, file: string, headers: string[], responseFile: string, what: string) {
  const args = [...CURL_BASE, '-T', file, '-H', 'Expect:', '-o', responseFile];
  for (const header of headers) args.push('-H', header);
  args.push('-w', '%{http_code} %{size_upload} %{time_total}', url);
  return parseCurl(await run('curl', args), what);
}

async function curlDownload(url: string, headers: string[], what: string) {
  const args = [...CURL_BASE, '-o', '/dev/null'];
  for (const header of headers) args.push('-H', header);
  args.push('-w', '%{http_code} %{size_download} %{time_total}', url);
  return parseCurl(await run('curl', args), what);
}

/** Flushes dirty pages (nginx does not fsync what it receives) so one transfer's writeback does not land on the next. */
async function settle(): Promise<number> {
  const started = performance.now();
  await run('sync', []);
  const seconds = (performance.now() - started) / 1000;
  await sleep(200);
  return seconds;
}

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

// ---------------------------------------------------------------------------------------------
// Statistics and report

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const mib = (bytes: number) => bytes / MiB;
const fmt = (value: number, digits = 1) => value.toFixed(digits);

function table(rows: string[][]): string {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  const line = (row: string[]) =>
    `| ${row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((width, column) => (column === 0 ? `${'-'.repeat(width + 1)}-` : `${'-'.repeat(width + 1)}:`)).join('|')}|`;
  return [line(rows[0] ?? []), rule, ...rows.slice(1).map(line)].join('\n');
}

async function machine() {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    hostname: os.hostname(),
    nproc: os.availableParallelism(),
    cpuModel: cpus[0]?.model ?? 'unknown',
    memoryGiB: Number((os.totalmem() / 1024 ** 3).toFixed(1)),
    kernel: os.release(),
    node: process.versions.node,
    serverNode: (await version(serverNode(), ['--version'])).replace(/^v/, ''),
    nginx: (await version(NGINX, ['-v'])).replace(/^nginx version:\s*/, ''),
    curl: await version('curl', ['--version']),
    loadAverage1mAtStart: Number((os.loadavg()[0] ?? 0).toFixed(2)),
    // Passed through to the server: set, they select its scaled-out drivers instead of the embedded ones.
    serverDrivers: ['DATABASE_URL', 'REDIS_URL', 'S3_ENDPOINT', 'S3_BUCKET'].filter((name) =>
      process.env[name]?.trim(),
    ),
  };
}

// ---------------------------------------------------------------------------------------------
// Main

async function main() {
  if (!existsSync(NGINX)) {
    console.error(`nginx is not installed (${NGINX} is missing). Install it with:

    apt-get update && apt-get install -y nginx

(or point BENCH_NGINX at an nginx binary built with the http_dav_module).`);
    process.exit(1);
  }
  if ((await version('curl', ['--version'])) === 'unknown') {
    console.error(
      'curl is not installed. Install it with:\n\n    apt-get update && apt-get install -y curl\n',
    );
    process.exit(1);
  }

  const info = await machine();
  tempDir = await mkdtemp(path.join(process.env.BENCH_TMPDIR?.trim() || os.tmpdir(), 'fileshare-bench-'));
  const sourceFile = path.join(tempDir, 'source.bin');
  const warmFile = path.join(tempDir, 'warm.bin');
  const responseFile = path.join(tempDir, 'response.json');

  console.log(`Fileshare transfer benchmark: ${SIZE_MIB} MiB × ${ROUNDS} rounds, API vs nginx, client curl`);
  console.log(`machine: ${info.nproc} CPUs (${info.cpuModel}), ${info.memoryGiB} GiB, Linux ${info.kernel}`);
  console.log(`node ${info.serverNode} (server), nginx ${info.nginx}`);
  console.log(`temp dir: ${tempDir}`);
  console.log(
    info.serverDrivers.length === 0
      ? 'server drivers: embedded (PGlite, in-process cache, blobs on the local filesystem)'
      : `server drivers: from the environment (${info.serverDrivers.join(', ')} set)`,
  );
  if (info.loadAverage1mAtStart > 0.5) {
    console.log(
      `warning: the 1-minute load average is ${info.loadAverage1mAtStart}; other work on this machine will make the numbers noisy`,
    );
  }

  process.stdout.write(`generating ${SIZE_MIB} MiB of random data… `);
  let started = performance.now();
  const sourceSha256 = makeRandomFile(sourceFile, SIZE);
  makeRandomFile(warmFile, 4 * MiB);
  console.log(`${fmt((performance.now() - started) / 1000)} s`);

  const nginx = await startNginx(path.join(tempDir, 'nginx'));
  const api = await startApi(tempDir);
  if (api.child.pid === undefined) throw new BenchError('the API server has no pid');
  const pid: number = api.child.pid;
  const nginxPids = withChildren(nginx.child.pid ?? 0);
  console.log(`nginx on ${nginx.url} (pids ${nginxPids.join(', ')}), API on ${api.url} (pid ${pid})`);

  const auth = [`Authorization: Bearer ${api.token}`];
  const apiPut = (name: string) =>
    `${api.url}/folders/root/files/${encodeURIComponent(name)}?onConflict=replace`;

  async function upload(side: Side, file: string, name: string, size: number, what: string) {
    if (side === 'nginx') {
      const result = await curlUpload(`${nginx.url}/${name}`, file, [], responseFile, what);
      if (result.status !== 201 && result.status !== 204)
        throw new BenchError(`${what}: nginx answered ${result.status}`);
      const stored = await stat(path.join(tempDir ?? '', 'nginx', 'www', name));
      if (stored.size !== size)
        throw new BenchError(`${what}: nginx stored ${stored.size} bytes, sent ${size}`);
      return { ...result, id: name };
    }
    const result = await curlUpload(apiPut(name), file, auth, responseFile, what);
    const node = JSON.parse(await readFile(responseFile, 'utf8')) as {
      id?: string;
      size?: number;
      sha256?: string;
    };
    if ((result.status !== 200 && result.status !== 201) || typeof node.id !== 'string') {
      throw new BenchError(`${what}: the API answered ${result.status}: ${JSON.stringify(node)}`);
    }
    if (node.size !== size) throw new BenchError(`${what}: the API stored ${node.size} bytes, sent ${size}`);
    if (file === sourceFile && node.sha256 !== sourceSha256) {
      throw new BenchError(`${what}: the API's SHA-256 ${node.sha256} is not the file's ${sourceSha256}`);
    }
    return { ...result, id: node.id };
  }

  async function download(side: Side, id: string, size: number, what: string) {
    const result =
      side === 'nginx'
        ? await curlDownload(`${nginx.url}/${id}`, [], what)
        : await curlDownload(`${api.url}/files/${id}/content`, auth, what);
    if (result.status !== 200) throw new BenchError(`${what}: answered ${result.status}`);
    if (result.bytes !== size)
      throw new BenchError(`${what}: received ${result.bytes} bytes, expected ${size}`);
    return result;
  }

  // Warm-up: a few small uploads and downloads on each side, so that routes, JIT and caches are warm.
  for (const side of ['api', 'nginx'] as const) {
    for (let i = 0; i < 3; i++) {
      const { id } = await upload(side, warmFile, 'warm.bin', 4 * MiB, `warm-up ${side} upload`);
      await download(side, id, 4 * MiB, `warm-up ${side} download`);
    }
  }
  await settle();
  await sleep(1_000);

  const sampler = new RssSampler(pid);
  const baseline = statusField(pid, 'VmRSS') ?? 0;
  const hwmBeforeReset = statusField(pid, 'VmHWM') ?? 0;
  const hwmReset = resetHwm(pid);
  sampler.start();
  console.log(
    `API server RSS after warm-up: ${fmt(mib(baseline))} MiB (VmHWM since start ${fmt(mib(hwmBeforeReset))} MiB${hwmReset ? ', reset' : ''})`,
  );

  const transfers: Transfer[] = [];

  /** Runs one transfer, with the server's CPU time and peak RSS around it, then flushes the disk. */
  async function measure(
    round: number,
    op: Op,
    side: Side,
    run: () => Promise<{ bytes: number; seconds: number }>,
  ) {
    const pids = side === 'api' ? [pid] : nginxPids;
    sampler.window();
    const cpuBefore = cpuSeconds(pids);
    const startedUs = monotonicUs();
    const result = await run();
    const endedUs = monotonicUs();
    const cpu = cpuSeconds(pids) - cpuBefore;
    const peak = sampler.window();
    const syncSeconds = await settle();
    const transfer: Transfer = {
      round,
      op,
      side,
      bytes: result.bytes,
      seconds: result.seconds,
      mibPerSecond: mib(result.bytes) / result.seconds,
      startedUs,
      endedUs,
      syncSeconds: Number(syncSeconds.toFixed(3)),
      serverCpuSeconds: Number(cpu.toFixed(2)),
      ...(side === 'api' ? { peakRssMiB: Number(fmt(mib(peak))) } : {}),
    };
    transfers.push(transfer);
    console.log(
      `  round ${round} ${op.padEnd(8)} ${side.padEnd(5)} ${fmt(transfer.mibPerSecond).padStart(7)} MiB/s` +
        `  ${fmt(result.seconds, 2).padStart(6)} s  server CPU ${fmt(cpu, 2).padStart(5)} s` +
        `  then sync ${fmt(syncSeconds, 2)} s${side === 'api' ? `  peak RSS ${fmt(mib(peak))} MiB` : ''}`,
    );
  }

  started = performance.now();
  for (let round = 1; round <= ROUNDS; round++) {
    // Alternate which side goes first, so neither always gets the warmer (or cooler) machine.
    const order: Side[] = round % 2 === 1 ? ['api', 'nginx'] : ['nginx', 'api'];
    const ids = new Map<Side, string>();
    for (const side of order) {
      await measure(round, 'upload', side, async () => {
        const result = await upload(side, sourceFile, 'bench.bin', SIZE, `round ${round} ${side} upload`);
        ids.set(side, result.id);
        return result;
      });
    }
    for (const side of order) {
      await measure(round, 'download', side, () =>
        download(side, ids.get(side) ?? '', SIZE, `round ${round} ${side} download`),
      );
    }
  }
  const elapsed = (performance.now() - started) / 1000;
  sampler.stop();
  const hwm = statusField(pid, 'VmHWM') ?? 0;

  // Stop the server gracefully (so --cpu-prof can write its profile), then nginx.
  await stopChild(api.child, 'SIGTERM');
  await stopChild(nginx.child, 'SIGQUIT');
  const apiLog = tail(api.logFile, 20);

  // ---- results
  const medianOf = (op: Op, side: Side) =>
    median(transfers.filter((t) => t.op === op && t.side === side).map((t) => t.mibPerSecond));
  const throughput = (['upload', 'download'] as const).map((op) => {
    const apiMedian = medianOf(op, 'api');
    const nginxMedian = medianOf(op, 'nginx');
    const ratio = apiMedian / nginxMedian;
    return {
      op,
      apiMiBps: apiMedian,
      nginxMiBps: nginxMedian,
      ratio,
      target: TARGET_RATIO,
      pass: ratio >= TARGET_RATIO,
    };
  });
  // Context for reading the ratios: CPU per GiB, and uploads with the flush to disk counted on both sides
  // (the API fsyncs before it answers, nginx leaves dirty pages behind).
  const seriesOf = (op: Op, side: Side) => transfers.filter((t) => t.op === op && t.side === side);
  const context = (['upload', 'download'] as const).map((op) => {
    const cpuPerGiB = (side: Side) =>
      median(seriesOf(op, side).map((t) => t.serverCpuSeconds / (t.bytes / 1024 ** 3)));
    const withSync = (side: Side) =>
      median(seriesOf(op, side).map((t) => mib(t.bytes) / (t.seconds + t.syncSeconds)));
    return {
      op,
      apiCpuSecondsPerGiB: cpuPerGiB('api'),
      nginxCpuSecondsPerGiB: cpuPerGiB('nginx'),
      apiMiBpsIncludingSync: withSync('api'),
      nginxMiBpsIncludingSync: withSync('nginx'),
      ratioIncludingSync: withSync('api') / withSync('nginx'),
    };
  });

  // The peak is the larger of what the sampler saw and the kernel's own high-water mark (when it could be reset).
  const peak = Math.max(sampler.peak, hwmReset ? hwm : 0);
  const growth = peak - baseline;
  const rss = {
    baselineMiB: mib(baseline),
    sampledPeakMiB: mib(sampler.peak),
    vmHwmMiB: mib(hwm),
    vmHwmResetAfterWarmUp: hwmReset,
    peakMiB: mib(peak),
    growthMiB: mib(growth),
    targetGrowthMiB: TARGET_RSS_GROWTH_MIB,
    pass: mib(growth) < TARGET_RSS_GROWTH_MIB,
    samples: sampler.samples,
    sampleIntervalMs: SAMPLE_INTERVAL_MS,
  };

  const verdict = (pass: boolean) => (pass ? 'PASS' : 'FAIL');
  console.log(
    `\nResults: ${SIZE_MIB} MiB file, ${ROUNDS} rounds, medians (${fmt(elapsed, 0)} s of transfers)\n`,
  );
  console.log(
    table([
      ['transfer', 'API MiB/s', 'nginx MiB/s', 'API/nginx', 'target', 'result'],
      ...throughput.map((t) => [
        t.op,
        fmt(t.apiMiBps),
        fmt(t.nginxMiBps),
        `${fmt(t.ratio, 2)}×`,
        `≥ ${fmt(t.target, 1)}×`,
        verdict(t.pass),
      ]),
    ]),
  );
  console.log(
    '\nContext (not targets): server CPU time per GiB, and throughput with the flush to disk counted\n',
  );
  console.log(
    table([
      [
        'transfer',
        'API CPU s/GiB',
        'nginx CPU s/GiB',
        'API MiB/s +sync',
        'nginx MiB/s +sync',
        'API/nginx +sync',
      ],
      ...context.map((c) => [
        c.op,
        fmt(c.apiCpuSecondsPerGiB, 2),
        fmt(c.nginxCpuSecondsPerGiB, 2),
        fmt(c.apiMiBpsIncludingSync),
        fmt(c.nginxMiBpsIncludingSync),
        `${fmt(c.ratioIncludingSync, 2)}×`,
      ]),
    ]),
  );
  console.log('');
  console.log(
    table([
      ['API server memory', 'MiB'],
      ['RSS baseline (after warm-up)', fmt(rss.baselineMiB)],
      [`RSS peak (sampled every ${SAMPLE_INTERVAL_MS} ms)`, fmt(rss.sampledPeakMiB)],
      [`VmHWM at end${hwmReset ? ' (reset after warm-up)' : ' (since start)'}`, fmt(rss.vmHwmMiB)],
      ['growth (peak − baseline)', fmt(rss.growthMiB)],
      ['target', `< ${TARGET_RSS_GROWTH_MIB}`],
      ['result', verdict(rss.pass)],
    ]),
  );
  if (apiLog.trim() !== '') console.log(`\nAPI server log (warnings and errors):\n${apiLog}`);

  const report = {
    benchmark: 'transfer',
    machine: info,
    settings: { sizeMiB: SIZE_MIB, rounds: ROUNDS, client: 'curl', cpuProfileDir: CPU_PROF_DIR ?? null },
    throughput,
    context,
    rss,
    transfers,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const out = path.join(RESULTS_DIR, 'transfer-latest.json');
  await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwritten to ${path.relative(process.cwd(), out) || out}`);
  if (CPU_PROF_DIR !== undefined) console.log(`CPU profile of the API server in ${CPU_PROF_DIR}`);
}

main().then(
  () => {
    cleanUpSync();
    process.exit(0);
  },
  (error: unknown) => {
    console.error(
      `\nbenchmark failed: ${error instanceof BenchError ? error.message : ((error as Error)?.stack ?? error)}`,
    );
    cleanUpSync();
    process.exit(1);
  },
);

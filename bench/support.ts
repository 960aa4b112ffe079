/**
 * What the benchmarks share: settings from the environment, child processes that are cleaned up on
 * exit or Ctrl-C, the API server and its first user, a file of random bytes, curl uploads, the
 * server's CPU time from /proc, and the statistics and tables of the report.
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
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../tools/processes.ts';

export const MiB = 1024 * 1024;
export { freePort };

export const REPO = path.resolve(import.meta.dirname, '..');
export const RESULTS_DIR = path.join(REPO, 'bench', 'results');

export class BenchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BenchError';
  }
}

/** A whole number ≥ 1 from the environment; exits with a message when it is something else. */
export function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    console.error(`${name} must be a whole number ≥ 1, got "${raw}"`);
    process.exit(1);
  }
  return Number(raw);
}

/** The server needs Node 24; use this process's node when it is one, else the repo's pinned one. */
export function serverNode(): string {
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

/** The run's temporary directory (under BENCH_TMPDIR or the OS's), deleted at the end, on Ctrl-C or a failure. */
export async function makeTempDir(prefix: string): Promise<string> {
  tempDir = await mkdtemp(path.join(process.env.BENCH_TMPDIR?.trim() || os.tmpdir(), prefix));
  return tempDir;
}

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

export function track(child: ChildProcess, ownGroup = false): ChildProcess {
  children.add(child);
  if (ownGroup) groups.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

/** Signals a child that is still running, and its whole process group if it leads one. */
export function kill(child: ChildProcess, signal: NodeJS.Signals) {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  try {
    if (groups.has(child)) process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {}
}

/** Asks a child to stop, and kills it if it has not after `graceMs`. */
export async function stopChild(
  child: ChildProcess,
  signal: NodeJS.Signals,
  graceMs = 10_000,
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => kill(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (asynchronously, so the RSS sampler keeps ticking). */
export function run(command: string, args: string[]): Promise<RunResult> {
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

export async function version(command: string, args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(command, args);
    return `${stdout}${stderr}`.split('\n')[0]?.trim() ?? '';
  } catch {
    return 'unknown';
  }
}

/** Polls `url` until `ready(status)` or the deadline; fails early if `child` died. */
export async function waitFor(
  url: string,
  child: ChildProcess,
  what: string,
  logFile: string,
  timeoutMs = 60_000,
) {
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

export function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// ---------------------------------------------------------------------------------------------
// Test file

/** Writes `size` random bytes to `file` and returns their SHA-256 (hex). */
export function makeRandomFile(file: string, size: number): string {
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
// API server

/**
 * Starts the API server (`server/src/main.ts`) on a free port with its data in `<dir>/data`, waits
 * until it is healthy and registers the user `bench`. `env` is added to this process's environment
 * (DATABASE_URL, REDIS_URL and S3_* are passed through); `cpuProfDir` runs it with --cpu-prof.
 */
export async function startApi(
  dir: string,
  options: { env?: Record<string, string>; cpuProfDir?: string | undefined } = {},
) {
  const port = await freePort();
  const dataDir = path.join(dir, 'data');
  const logFile = path.join(dir, 'api.log');
  const log = openSync(logFile, 'w');
  const args = ['server/src/main.ts'];
  if (options.cpuProfDir !== undefined) {
    mkdirSync(options.cpuProfDir, { recursive: true });
    args.unshift('--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`);
  }
  const child = track(
    spawn(serverNode(), args, {
      cwd: REPO,
      stdio: ['ignore', log, log],
      detached: true,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        ...options.env,
      },
    }),
    true,
  );
  closeSync(log);
  const url = `http://127.0.0.1:${port}/api/v1`;
  const status = await waitFor(`${url}/health`, child, 'the API server', logFile);
  if (status !== 200) throw new BenchError(`GET /api/v1/health answered ${status}:\n${tail(logFile)}`);

  const username = 'bench';
  const password = randomBytes(18).toString('base64url');
  const response = await fetch(`${url}/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = (await response.json()) as { token?: string };
  if (response.status !== 201 || typeof body.token !== 'string') {
    throw new BenchError(`POST /api/v1/auth/register answered ${response.status}: ${JSON.stringify(body)}`);
  }
  if (child.pid === undefined) throw new BenchError('the API server has no pid');
  return {
    child,
    pid: child.pid,
    origin: `http://127.0.0.1:${port}`,
    url,
    token: body.token,
    logFile,
    username,
    password,
  };
}

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on every Linux architecture we run on). */
export const USER_HZ = 100;

/** User + system CPU seconds of the processes `pids` (all their threads), from /proc. */
export function cpuSeconds(pids: number[]): number {
  return pids.reduce((total, pid) => total + statCpuSeconds(`/proc/${pid}/stat`), 0);
}

/** CPU time of a process's main thread alone (the one that runs its JavaScript, for Node). */
export function mainThreadCpuSeconds(pid: number): number {
  return statCpuSeconds(`/proc/${pid}/task/${pid}/stat`);
}

/** utime + stime of a /proc stat file, in seconds; 0 when it is gone. */
function statCpuSeconds(file: string): number {
  try {
    const stat = readFileSync(file, 'utf8');
    // Fields after the command name (which may contain spaces) start at field 3; utime and stime are 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
  } catch {
    return 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Transfers, through curl for both sides

export const CURL_BASE = ['--silent', '--show-error', '--fail', '--http1.1', '--noproxy', '*'];

export function parseCurl(result: RunResult, what: string) {
  if (result.code !== 0) throw new BenchError(`${what}: curl exited ${result.code}: ${result.stderr.trim()}`);
  const [status, bytes, seconds] = result.stdout.trim().split(' ').map(Number);
  if (status === undefined || bytes === undefined || seconds === undefined || !(seconds > 0)) {
    throw new BenchError(`${what}: unexpected curl output "${result.stdout}"`);
  }
  return { status, bytes, seconds };
}

export async function curlUpload(
  url: string,
  file: string,
  headers: string[],
  responseFile: string,
  what: string,
) {
  const args = [...CURL_BASE, '-T', file, '-H', 'Expect:', '-o', responseFile];
  for (const header of headers) args.push('-H', header);
  args.push('-w', '%{http_code} %{size_upload} %{time_total}', url);
  return parseCurl(await run('curl', args), what);
}

export async function curlDownload(url: string, headers: string[], what: string) {
  const args = [...CURL_BASE, '-o', '/dev/null'];
  for (const header of headers) args.push('-H', header);
  args.push('-w', '%{http_code} %{size_download} %{time_total}', url);
  return parseCurl(await run('curl', args), what);
}

export interface ApiNode {
  id?: string;
  size?: number;
  sha256?: string | null;
}

export interface ApiHandle {
  url: string;
  token: string;
}

export async function apiJson<T>(
  api: ApiHandle,
  method: string,
  route: string,
  expect: number | number[],
  body?: unknown,
) {
  const response = await fetch(`${api.url}${route}`, {
    method,
    headers: {
      authorization: `Bearer ${api.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!(Array.isArray(expect) ? expect : [expect]).includes(response.status)) {
    throw new BenchError(`${method} ${route} answered ${response.status} (expected ${expect}): ${text}`);
  }
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/**
 * The simple upload with curl: `PUT /folders/root/files/<name>?onConflict=replace`, the file as the
 * body. Checks the status, the size the API stored and, when `expect.sha256` is given, its SHA-256.
 */
export async function curlSimpleUpload(
  api: ApiHandle,
  file: string,
  name: string,
  expect: { size: number; sha256?: string | undefined },
  responseFile: string,
  what: string,
) {
  const url = `${api.url}/folders/root/files/${encodeURIComponent(name)}?onConflict=replace`;
  const result = await curlUpload(url, file, [`Authorization: Bearer ${api.token}`], responseFile, what);
  const node = JSON.parse(await readFile(responseFile, 'utf8')) as ApiNode;
  if ((result.status !== 200 && result.status !== 201) || typeof node.id !== 'string') {
    throw new BenchError(`${what}: the API answered ${result.status}: ${JSON.stringify(node)}`);
  }
  if (node.size !== expect.size) {
    throw new BenchError(`${what}: the API stored ${node.size} bytes, sent ${expect.size}`);
  }
  if (expect.sha256 !== undefined && node.sha256 !== expect.sha256) {
    throw new BenchError(`${what}: the API's SHA-256 ${node.sha256} is not the file's ${expect.sha256}`);
  }
  return { ...result, id: node.id, node };
}

/** Flushes dirty pages (nginx does not fsync what it receives) so one transfer's writeback does not land on the next. */
export async function settle(): Promise<number> {
  const started = performance.now();
  await run('sync', []);
  const seconds = (performance.now() - started) / 1000;
  await sleep(200);
  return seconds;
}

// ---------------------------------------------------------------------------------------------
// Statistics and report

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

export const mib = (bytes: number) => bytes / MiB;
/** Bytes as B, KiB or MiB, whichever reads best. */
export const human = (bytes: number) =>
  bytes < 1024
    ? `${bytes} B`
    : bytes < MiB
      ? `${(bytes / 1024).toFixed(1)} KiB`
      : `${(bytes / MiB).toFixed(1)} MiB`;
export const fmt = (value: number, digits = 1) => value.toFixed(digits);

export function table(rows: string[][]): string {
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  const line = (row: string[]) =>
    `| ${row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join(' | ')} |`;
  const rule = `|${widths.map((width, column) => (column === 0 ? `${'-'.repeat(width + 1)}-` : `${'-'.repeat(width + 1)}:`)).join('|')}|`;
  return [line(rows[0] ?? []), rule, ...rows.slice(1).map(line)].join('\n');
}

export async function machine() {
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
    curl: await version('curl', ['--version']),
    loadAverage1mAtStart: Number((os.loadavg()[0] ?? 0).toFixed(2)),
    // Passed through to the server: set, they select its scaled-out drivers instead of the embedded ones.
    serverDrivers: ['DATABASE_URL', 'REDIS_URL', 'S3_ENDPOINT', 'S3_BUCKET'].filter((name) =>
      process.env[name]?.trim(),
    ),
  };
}

/** The run's heading: the machine, what else is named in `tools`, the temp dir, the drivers, a load warning. */
export function printMachine(info: Awaited<ReturnType<typeof machine>>, tools: string, dir: string) {
  console.log(`machine: ${info.nproc} CPUs (${info.cpuModel}), ${info.memoryGiB} GiB, Linux ${info.kernel}`);
  console.log(tools);
  console.log(`temp dir: ${dir}`);
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
}

/** Stops curl early with the command that installs it, when it is missing. */
export async function requireCurl() {
  if ((await version('curl', ['--version'])) === 'unknown') {
    console.error(
      'curl is not installed. Install it with:\n\n    apt-get update && apt-get install -y curl\n',
    );
    process.exit(1);
  }
}

/** Runs a benchmark's main function and exits: 0 when it ran, 1 (with the reason) when it failed. */
export function runBenchmark(main: () => Promise<void>) {
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
}

// ---------------------------------------------------------------------------------------------
// nginx

export const NGINX = process.env.BENCH_NGINX?.trim() || '/usr/sbin/nginx';

/** Exits with the apt command when nginx is missing. */
export function requireNginx() {
  if (!existsSync(NGINX)) {
    console.error(`nginx is not installed (${NGINX} is missing). Install it with:

    apt-get update && apt-get install -y nginx

(or point BENCH_NGINX at an nginx binary built with the http_dav_module).`);
    process.exit(1);
  }
}

function nginxConf(dir: string, port: number): string {
  const p = (name: string) => path.join(dir, name);
  // Running as root, the workers would switch to "nobody" and could not write the temp dir.
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  return `# generated by bench/support.ts
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

export async function startNginx(dir: string) {
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

/** `pid` and its direct children (nginx's master and workers). */
export function withChildren(pid: number): number[] {
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

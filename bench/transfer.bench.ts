import { createHash } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type ApiHandle,
  type ApiNode,
  apiJson,
  BenchError,
  cpuSeconds,
  curlDownload,
  curlSimpleUpload,
  curlUpload,
  fmt,
  human,
  MiB,
  machine,
  mainThreadCpuSeconds,
  makeRandomFile,
  makeTempDir,
  median,
  mib,
  NGINX,
  positiveInt,
  printMachine,
  RESULTS_DIR,
  requireCurl,
  requireNginx,
  run,
  runBenchmark,
  settle,
  startApi,
  startNginx,
  stopChild,
  table,
  tail,
  version,
  withChildren,
} from './support.ts';

const TARGET_RATIO = 0.8;
const TARGET_RSS_GROWTH_MIB = 100;
const SAMPLE_INTERVAL_MS = 50;

/** api: the simple upload (one PUT) and the download; session: the resumable upload; nginx: nginx. */
type Side = 'api' | 'session' | 'nginx';
type Op = 'upload' | 'download';

/** Deltas of /proc/<pid>/io: bytes through read/write calls (files, sockets, pipes) and to/from the block layer. */
interface IoDelta {
  rchar: number;
  wchar: number;
  readBytes: number;
  writeBytes: number;
}

/** The three steps of a session upload, timed separately (seconds). */
interface SessionPhases {
  createSeconds: number;
  partsSeconds: number;
  completeSeconds: number;
  partSize: number;
  partCount: number;
  parallel: number;
  partsNeedCredentials: boolean;
  /** The API server's CPU time (user + system, all threads) during the parts and during completion. */
  partsServerCpuSeconds?: number;
  completeServerCpuSeconds?: number;
  /** The slowest and the median part, as curl timed them. */
  slowestPartSeconds: number;
  medianPartSeconds: number;
}

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
  /** Of that, the API server's main thread (the one that runs its JavaScript); only for the API sides. */
  mainThreadCpuSeconds?: number;
  /** The API server's highest sampled RSS during this transfer (MiB); only for the API sides. */
  peakRssMiB?: number;
  /** What the API server read and wrote during the transfer (/proc/<pid>/io); only for the API sides. */
  io?: IoDelta;
  /** Session uploads: the time of each step (included in `seconds`). */
  session?: SessionPhases;
}

// ---------------------------------------------------------------------------------------------
// Settings

const SIZE_MIB = positiveInt('BENCH_SIZE_MIB', 1024);
const ROUNDS = positiveInt('BENCH_ROUNDS', 3);
const SIZE = SIZE_MIB * MiB;
const PARALLEL = positiveInt('BENCH_PARALLEL', 4);
const S3_MODE = ['1', 'true', 'yes'].includes(process.env.BENCH_S3?.trim().toLowerCase() ?? '');
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF?.trim()
  ? path.resolve(process.env.BENCH_CPU_PROF.trim())
  : undefined;

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

/** The I/O counters of `pid` (all its threads) from /proc/<pid>/io. */
function procIo(pid: number): IoDelta {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/io`, 'utf8');
  } catch (error) {
    throw new BenchError(`cannot read /proc/${pid}/io: ${(error as Error).message}`);
  }
  const field = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+)$`, 'm').exec(text);
    if (match?.[1] === undefined) throw new BenchError(`/proc/${pid}/io has no ${name}`);
    return Number(match[1]);
  };
  return {
    rchar: field('rchar'),
    wchar: field('wchar'),
    readBytes: field('read_bytes'),
    writeBytes: field('write_bytes'),
  };
}

function ioDelta(before: IoDelta, after: IoDelta): IoDelta {
  return {
    rchar: after.rchar - before.rchar,
    wchar: after.wchar - before.wchar,
    readBytes: after.readBytes - before.readBytes,
    writeBytes: after.writeBytes - before.writeBytes,
  };
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
// Session (resumable) uploads: POST /uploads, the parts with curl --parallel, POST /uploads/<id>/complete

interface UploadSession {
  id: string;
  partSize: number;
  partCount: number;
  partsNeedCredentials: boolean;
  parts: { number: number; size: number; url: string }[];
}

/**
 * A file cut into the parts of a session layout, as files of their own, so that curl can send
 * each part with -T. Cut before the timed uploads (and flushed), not during them.
 */
const partFiles = new Map<string, string[]>();

function partFilesKey(file: string, partSize: number) {
  return `${file}\u0000${partSize}`;
}

function cutIntoParts(file: string, size: number, partSize: number, dir: string): string[] {
  const key = partFilesKey(file, partSize);
  const cached = partFiles.get(key);
  if (cached !== undefined) return cached;
  const partsDir = path.join(dir, `parts-${path.basename(file)}-${partSize}`);
  mkdirSync(partsDir, { recursive: true });
  const buffer = Buffer.allocUnsafe(partSize);
  const files: string[] = [];
  const fd = openSync(file, 'r');
  try {
    for (let offset = 0, number = 1; offset < size; offset += partSize, number++) {
      const length = Math.min(partSize, size - offset);
      for (let got = 0; got < length; ) {
        const n = readSync(fd, buffer, got, length - got, offset + got);
        if (n === 0) throw new BenchError(`${file} is shorter than ${size} bytes`);
        got += n;
      }
      const partFile = path.join(partsDir, String(number));
      writeFileSync(partFile, buffer.subarray(0, length));
      files.push(partFile);
    }
  } finally {
    closeSync(fd);
  }
  partFiles.set(key, files);
  return files;
}

/**
 * Learns the part layout the server gives a file of `size` bytes (by opening a session and
 * aborting it), and cuts `file` into those parts. Not timed.
 */
async function prepareParts(api: ApiHandle, file: string, size: number, dir: string) {
  const probe = await apiJson<UploadSession>(api, 'POST', '/uploads', 201, {
    parentId: 'root',
    name: 'bench-probe.bin',
    size,
    onConflict: 'replace',
  });
  await apiJson(api, 'DELETE', `/uploads/${probe.id}`, 204);
  cutIntoParts(file, size, probe.partSize, dir);
}

function curlConfigValue(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * Sends every part with one curl process, `parallel` transfers at a time (curl --parallel, HTTP/1.1,
 * connections reused), each part file to its URL; checks every part's status and size.
 */
async function curlParts(
  session: UploadSession,
  files: string[],
  headers: string[],
  parallel: number,
  dir: string,
  what: string,
) {
  const outDir = path.join(dir, 'part-responses');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const config = session.parts
    .map((part) => {
      const file = files[part.number - 1];
      if (file === undefined) throw new BenchError(`${what}: no part file for part ${part.number}`);
      return [
        `upload-file = ${curlConfigValue(file)}`,
        `output = ${curlConfigValue(path.join(outDir, String(part.number)))}`,
        `url = ${curlConfigValue(part.url)}`,
        '',
      ].join('\n');
    })
    .join('');
  const configFile = path.join(dir, 'parts.curlrc');
  writeFileSync(configFile, config);
  const args = ['--silent', '--show-error', '--http1.1', '--noproxy', '*', '--parallel'];
  args.push('--parallel-max', String(parallel), '-H', 'Expect:');
  for (const header of headers) args.push('-H', header);
  args.push('-w', '%{http_code} %{size_upload} %{time_total} %{filename_effective}\\n', '-K', configFile);
  const result = await run('curl', args);
  if (result.code !== 0) throw new BenchError(`${what}: curl exited ${result.code}: ${result.stderr.trim()}`);
  const seen = new Map<number, number>();
  for (const line of result.stdout.trim().split('\n')) {
    const [status, bytes, seconds, output] = line.trim().split(' ');
    const number = Number(path.basename(output ?? ''));
    const part = session.parts.find((p) => p.number === number);
    if (part === undefined) throw new BenchError(`${what}: unexpected curl output "${line}"`);
    if (status !== '200') {
      const body = existsSync(output ?? '') ? readFileSync(output ?? '', 'utf8') : '';
      throw new BenchError(`${what}: part ${number} answered ${status}: ${body.slice(0, 500)}`);
    }
    if (Number(bytes) !== part.size) {
      throw new BenchError(`${what}: part ${number} sent ${bytes} bytes, expected ${part.size}`);
    }
    seen.set(number, Number(seconds));
  }
  if (seen.size !== session.parts.length) {
    throw new BenchError(`${what}: curl reported ${seen.size} of ${session.parts.length} parts`);
  }
  const times = [...seen.values()];
  return { slowest: Math.max(...times), median: median(times) };
}

/**
 * One upload through a session: create, every part (`parallel` at a time), complete. The part
 * files must have been cut (prepareParts). Timed from the first request to the last answer.
 */
async function sessionUpload(
  api: ApiHandle,
  file: string,
  name: string,
  size: number,
  dir: string,
  what: string,
  options: { parallel: number; declareSha256?: string; serverCpu?: () => number },
) {
  const cpu = options.serverCpu ?? (() => Number.NaN);
  const t0 = performance.now();
  const session = await apiJson<UploadSession>(api, 'POST', '/uploads', 201, {
    parentId: 'root',
    name,
    size,
    onConflict: 'replace',
    ...(options.declareSha256 === undefined ? {} : { sha256: options.declareSha256 }),
  });
  const t1 = performance.now();
  const cpu1 = cpu();
  const files = partFiles.get(partFilesKey(file, session.partSize));
  if (files === undefined || files.length !== session.partCount) {
    throw new BenchError(
      `${what}: the parts of ${file} were not cut for this layout (${session.partSize} B)`,
    );
  }
  // Presigned store URLs take no Authorization header; the API's part URLs need the token.
  const headers = session.partsNeedCredentials ? [`Authorization: Bearer ${api.token}`] : [];
  const partTimes = await curlParts(session, files, headers, options.parallel, dir, what);
  const t2 = performance.now();
  const cpu2 = cpu();
  // 201 for a new file, 200 when it replaced one.
  const node = await apiJson<ApiNode>(api, 'POST', `/uploads/${session.id}/complete`, [200, 201]);
  const t3 = performance.now();
  const cpu3 = cpu();
  if (typeof node.id !== 'string')
    throw new BenchError(`${what}: completing answered ${JSON.stringify(node)}`);
  if (node.size !== size) throw new BenchError(`${what}: the API recorded ${node.size} bytes, sent ${size}`);
  const phases: SessionPhases = {
    createSeconds: Number(((t1 - t0) / 1000).toFixed(3)),
    partsSeconds: Number(((t2 - t1) / 1000).toFixed(3)),
    completeSeconds: Number(((t3 - t2) / 1000).toFixed(3)),
    partSize: session.partSize,
    partCount: session.partCount,
    parallel: options.parallel,
    partsNeedCredentials: session.partsNeedCredentials,
    ...(options.serverCpu === undefined
      ? {}
      : {
          partsServerCpuSeconds: Number((cpu2 - cpu1).toFixed(2)),
          completeServerCpuSeconds: Number((cpu3 - cpu2).toFixed(2)),
        }),
    slowestPartSeconds: Number(partTimes.slowest.toFixed(3)),
    medianPartSeconds: Number(partTimes.median.toFixed(3)),
  };
  return { bytes: size, seconds: (t3 - t0) / 1000, id: node.id, node, phases };
}

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

// ---------------------------------------------------------------------------------------------
// Main

async function main() {
  requireNginx();
  await requireCurl();

  const info = {
    ...(await machine()),
    nginx: (await version(NGINX, ['-v'])).replace(/^nginx version:\s*/, ''),
  };
  const tempDir = await makeTempDir('fileshare-bench-');
  const sourceFile = path.join(tempDir, 'source.bin');
  const warmFile = path.join(tempDir, 'warm.bin');
  const responseFile = path.join(tempDir, 'response.json');

  console.log(`Fileshare transfer benchmark: ${SIZE_MIB} MiB × ${ROUNDS} rounds, API vs nginx, client curl`);
  printMachine(info, `node ${info.serverNode} (server), nginx ${info.nginx}`, tempDir);

  process.stdout.write(`generating ${SIZE_MIB} MiB of random data… `);
  let started = performance.now();
  const sourceSha256 = makeRandomFile(sourceFile, SIZE);
  makeRandomFile(warmFile, 4 * MiB);
  console.log(`${fmt((performance.now() - started) / 1000)} s`);

  const nginx = await startNginx(path.join(tempDir, 'nginx'));
  const api = await startApi(tempDir, { cpuProfDir: CPU_PROF_DIR });
  const pid = api.pid;
  const nginxPids = withChildren(nginx.child.pid ?? 0);
  console.log(`nginx on ${nginx.url} (pids ${nginxPids.join(', ')}), API on ${api.url} (pid ${pid})`);

  const auth = [`Authorization: Bearer ${api.token}`];

  async function upload(side: Side, file: string, name: string, size: number, what: string) {
    if (side === 'nginx') {
      const result = await curlUpload(`${nginx.url}/${name}`, file, [], responseFile, what);
      if (result.status !== 201 && result.status !== 204)
        throw new BenchError(`${what}: nginx answered ${result.status}`);
      const stored = await stat(path.join(tempDir, 'nginx', 'www', name));
      if (stored.size !== size)
        throw new BenchError(`${what}: nginx stored ${stored.size} bytes, sent ${size}`);
      return { ...result, id: name };
    }
    const sha256 = file === sourceFile ? sourceSha256 : undefined;
    return curlSimpleUpload(api, file, name, { size, sha256 }, responseFile, what);
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

  const apiHandle: ApiHandle = { url: api.url, token: api.token };
  const tmp = tempDir;

  /** A session upload of `file`, checked like the simple one. */
  async function uploadSession(file: string, name: string, size: number, what: string) {
    const result = await sessionUpload(apiHandle, file, name, size, tmp, what, {
      parallel: PARALLEL,
      serverCpu: () => cpuSeconds([pid]),
    });
    // With S3_* passed through, parts go straight to the store and the server records no SHA-256.
    const unhashed = result.node.sha256 === null && !result.phases.partsNeedCredentials;
    if (file === sourceFile && !unhashed && result.node.sha256 !== sourceSha256) {
      throw new BenchError(
        `${what}: the API's SHA-256 ${result.node.sha256} is not the file's ${sourceSha256}`,
      );
    }
    return result;
  }

  // Cut the files into the server's part layout for the session uploads (not timed).
  await prepareParts(apiHandle, warmFile, 4 * MiB, tmp);
  await prepareParts(apiHandle, sourceFile, SIZE, tmp);

  // Warm-up: a few small uploads and downloads on each side, so that routes, JIT and caches are warm.
  for (const side of ['api', 'nginx'] as const) {
    for (let i = 0; i < 3; i++) {
      const { id } = await upload(side, warmFile, 'warm.bin', 4 * MiB, `warm-up ${side} upload`);
      await download(side, id, 4 * MiB, `warm-up ${side} download`);
    }
  }
  for (let i = 0; i < 3; i++)
    await uploadSession(warmFile, 'warm-session.bin', 4 * MiB, 'warm-up session upload');
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

  /** Runs one transfer, with the server's CPU time, I/O and peak RSS around it, then flushes the disk. */
  async function measure(
    round: number,
    op: Op,
    side: Side,
    run: () => Promise<{ bytes: number; seconds: number; phases?: SessionPhases }>,
  ) {
    const isApi = side !== 'nginx';
    const pids = isApi ? [pid] : nginxPids;
    sampler.window();
    const cpuBefore = cpuSeconds(pids);
    const mainBefore = mainThreadCpuSeconds(pid);
    const ioBefore = isApi ? procIo(pid) : undefined;
    const startedUs = monotonicUs();
    const result = await run();
    const endedUs = monotonicUs();
    const cpu = cpuSeconds(pids) - cpuBefore;
    const mainCpu = mainThreadCpuSeconds(pid) - mainBefore;
    const io = ioBefore === undefined ? undefined : ioDelta(ioBefore, procIo(pid));
    const peak = sampler.window();
    const syncSeconds = await settle();
    const transfer: Transfer = {
      round,
      op,
      side,
      bytes: result.bytes,
      seconds: Number(result.seconds.toFixed(3)),
      mibPerSecond: mib(result.bytes) / result.seconds,
      startedUs,
      endedUs,
      syncSeconds: Number(syncSeconds.toFixed(3)),
      serverCpuSeconds: Number(cpu.toFixed(2)),
      ...(isApi
        ? { mainThreadCpuSeconds: Number(mainCpu.toFixed(2)), peakRssMiB: Number(fmt(mib(peak))), io }
        : {}),
      ...(result.phases === undefined ? {} : { session: result.phases }),
    };
    transfers.push(transfer);
    const phases = result.phases;
    console.log(
      `  round ${round} ${op.padEnd(8)} ${side.padEnd(7)} ${fmt(transfer.mibPerSecond).padStart(7)} MiB/s` +
        `  ${fmt(result.seconds, 2).padStart(6)} s  server CPU ${fmt(cpu, 2).padStart(5)} s` +
        (isApi ? ` (main thread ${fmt(mainCpu, 2)} s)` : '') +
        `  then sync ${fmt(syncSeconds, 2)} s${isApi ? `  peak RSS ${fmt(mib(peak))} MiB` : ''}` +
        (io === undefined ? '' : `  read ${fmt(mib(io.rchar))} MiB`) +
        (phases === undefined
          ? ''
          : `\n      (create ${fmt(phases.createSeconds, 2)} s, ${phases.partCount} parts ${fmt(phases.partsSeconds, 2)} s` +
            ` [server CPU ${fmt(phases.partsServerCpuSeconds ?? Number.NaN, 2)} s],` +
            ` complete ${fmt(phases.completeSeconds, 2)} s [server CPU ${fmt(phases.completeServerCpuSeconds ?? Number.NaN, 2)} s]; a part ${fmt(phases.medianPartSeconds, 2)} s median,` +
            ` ${fmt(phases.slowestPartSeconds, 2)} s slowest)`),
    );
  }

  started = performance.now();
  const uploadSides: Side[] = ['api', 'session', 'nginx'];
  for (let round = 1; round <= ROUNDS; round++) {
    // Rotate which upload goes first, so none always gets the warmer (or cooler) machine;
    // the downloads alternate between the API and nginx.
    const shift = (round - 1) % uploadSides.length;
    const uploadOrder = [...uploadSides.slice(shift), ...uploadSides.slice(0, shift)];
    const downloadOrder: Side[] = round % 2 === 1 ? ['api', 'nginx'] : ['nginx', 'api'];
    const ids = new Map<Side, string>();
    for (const side of uploadOrder) {
      await measure(round, 'upload', side, async () => {
        if (side === 'session') {
          return uploadSession(sourceFile, 'bench-session.bin', SIZE, `round ${round} session upload`);
        }
        const result = await upload(side, sourceFile, 'bench.bin', SIZE, `round ${round} ${side} upload`);
        ids.set(side, result.id);
        return result;
      });
    }
    for (const side of downloadOrder) {
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
  const seriesOf = (op: Op, side: Side) => transfers.filter((t) => t.op === op && t.side === side);
  const medianOf = (op: Op, side: Side) => median(seriesOf(op, side).map((t) => t.mibPerSecond));
  const compared = [
    { transfer: 'upload', op: 'upload', side: 'api' },
    { transfer: 'upload (session)', op: 'upload', side: 'session' },
    { transfer: 'download', op: 'download', side: 'api' },
  ] as const;
  const throughput = compared.map(({ transfer, op, side }) => {
    const apiMedian = medianOf(op, side);
    const nginxMedian = medianOf(op, 'nginx');
    const ratio = apiMedian / nginxMedian;
    return {
      transfer,
      op,
      side,
      apiMiBps: apiMedian,
      nginxMiBps: nginxMedian,
      ratio,
      target: TARGET_RATIO,
      pass: ratio >= TARGET_RATIO,
    };
  });
  // Context for reading the ratios: CPU per GiB, and uploads with the flush to disk counted on both sides
  // (the API fsyncs before it answers, nginx leaves dirty pages behind).
  const context = compared.map(({ transfer, op, side }) => {
    const cpuPerGiB = (s: Side) =>
      median(seriesOf(op, s).map((t) => t.serverCpuSeconds / (t.bytes / 1024 ** 3)));
    const withSync = (s: Side) =>
      median(seriesOf(op, s).map((t) => mib(t.bytes) / (t.seconds + t.syncSeconds)));
    return {
      transfer,
      op,
      side,
      apiCpuSecondsPerGiB: cpuPerGiB(side),
      apiMainThreadCpuSecondsPerGiB: median(
        seriesOf(op, side).map((t) => (t.mainThreadCpuSeconds ?? Number.NaN) / (t.bytes / 1024 ** 3)),
      ),
      nginxCpuSecondsPerGiB: cpuPerGiB('nginx'),
      apiMiBpsIncludingSync: withSync(side),
      nginxMiBpsIncludingSync: withSync('nginx'),
      ratioIncludingSync: withSync(side) / withSync('nginx'),
    };
  });
  // The two upload paths side by side: the steps of a session, and what the server read and wrote.
  const sessions = seriesOf('upload', 'session');
  const ioMedian = (side: Side, field: keyof IoDelta) =>
    median(seriesOf('upload', side).map((t) => mib(t.io?.[field] ?? 0)));
  const sessionSummary = {
    parallel: PARALLEL,
    partSize: sessions[0]?.session?.partSize ?? 0,
    partCount: sessions[0]?.session?.partCount ?? 0,
    partsNeedCredentials: sessions[0]?.session?.partsNeedCredentials ?? true,
    contentMd5: false,
    miBps: medianOf('upload', 'session'),
    ratioToSimple: medianOf('upload', 'session') / medianOf('upload', 'api'),
    ratioToNginx: medianOf('upload', 'session') / medianOf('upload', 'nginx'),
    createSeconds: median(sessions.map((t) => t.session?.createSeconds ?? 0)),
    partsSeconds: median(sessions.map((t) => t.session?.partsSeconds ?? 0)),
    completeSeconds: median(sessions.map((t) => t.session?.completeSeconds ?? 0)),
    partsServerCpuSeconds: median(sessions.map((t) => t.session?.partsServerCpuSeconds ?? Number.NaN)),
    completeServerCpuSeconds: median(sessions.map((t) => t.session?.completeServerCpuSeconds ?? Number.NaN)),
    partsMiBps: median(sessions.map((t) => mib(t.bytes) / (t.session?.partsSeconds ?? Number.NaN))),
    medianPartSeconds: median(sessions.map((t) => t.session?.medianPartSeconds ?? 0)),
    slowestPartSeconds: median(sessions.map((t) => t.session?.slowestPartSeconds ?? 0)),
    apiReadMiB: { simple: ioMedian('api', 'rchar'), session: ioMedian('session', 'rchar') },
    apiWrittenMiB: { simple: ioMedian('api', 'wchar'), session: ioMedian('session', 'wchar') },
    apiDiskWriteMiB: { simple: ioMedian('api', 'writeBytes'), session: ioMedian('session', 'writeBytes') },
  };

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
        t.transfer,
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
        'of it main thread',
        'nginx CPU s/GiB',
        'API MiB/s +sync',
        'nginx MiB/s +sync',
        'API/nginx +sync',
      ],
      ...context.map((c) => [
        c.transfer,
        fmt(c.apiCpuSecondsPerGiB, 2),
        fmt(c.apiMainThreadCpuSecondsPerGiB, 2),
        fmt(c.nginxCpuSecondsPerGiB, 2),
        fmt(c.apiMiBpsIncludingSync),
        fmt(c.nginxMiBpsIncludingSync),
        `${fmt(c.ratioIncludingSync, 2)}×`,
      ]),
    ]),
  );
  console.log(
    `\nUpload through a session: ${sessionSummary.partCount} parts of ${fmt(mib(sessionSummary.partSize), 0)} MiB,` +
      ` ${PARALLEL} at a time (curl --parallel, no Content-MD5), medians\n`,
  );
  console.log(
    table([
      [
        'upload',
        'MiB/s',
        'create s',
        'parts s',
        'complete s',
        'server CPU s: parts',
        'complete',
        'API read MiB',
        'API disk write MiB',
      ],
      [
        'simple (one PUT)',
        fmt(medianOf('upload', 'api')),
        '',
        '',
        '',
        '',
        '',
        fmt(sessionSummary.apiReadMiB.simple),
        fmt(sessionSummary.apiDiskWriteMiB.simple),
      ],
      [
        'session',
        fmt(sessionSummary.miBps),
        fmt(sessionSummary.createSeconds, 2),
        fmt(sessionSummary.partsSeconds, 2),
        fmt(sessionSummary.completeSeconds, 2),
        fmt(sessionSummary.partsServerCpuSeconds, 2),
        fmt(sessionSummary.completeServerCpuSeconds, 2),
        fmt(sessionSummary.apiReadMiB.session),
        fmt(sessionSummary.apiDiskWriteMiB.session),
      ],
    ]),
  );
  console.log(
    `session / simple ${fmt(sessionSummary.ratioToSimple, 2)}×, session / nginx ${fmt(sessionSummary.ratioToNginx, 2)}×;` +
      ` the parts alone ${fmt(sessionSummary.partsMiBps)} MiB/s (a part ${fmt(sessionSummary.medianPartSeconds, 2)} s median,` +
      ` the slowest ${fmt(sessionSummary.slowestPartSeconds, 2)} s)`,
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
    settings: {
      sizeMiB: SIZE_MIB,
      rounds: ROUNDS,
      client: 'curl',
      sessionParallel: PARALLEL,
      cpuProfileDir: CPU_PROF_DIR ?? null,
    },
    throughput,
    context,
    session: sessionSummary,
    rss,
    transfers,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const out = path.join(RESULTS_DIR, 'transfer-latest.json');
  await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwritten to ${path.relative(process.cwd(), out) || out}`);
  if (CPU_PROF_DIR !== undefined) console.log(`CPU profile of the API server in ${CPU_PROF_DIR}`);
}

// ---------------------------------------------------------------------------------------------
// S3 mode (BENCH_S3=1): the bytes the API process reads while a file goes to S3

type S3Variant = 'session' | 'session-sha256' | 's3-simple';

const S3_VARIANTS: { variant: S3Variant; label: string }[] = [
  { variant: 'session', label: 'session, parts to presigned URLs' },
  { variant: 'session-sha256', label: 'session, SHA-256 declared' },
  { variant: 's3-simple', label: 'simple (one PUT through the API)' },
];

interface S3Upload {
  round: number;
  variant: S3Variant;
  bytes: number;
  seconds: number;
  mibPerSecond: number;
  io: IoDelta;
  serverCpuSeconds: number;
  peakRssMiB: number;
  session?: SessionPhases;
}

/** Files of s3rver's store (`<dir>/<bucket>/<key>._S3rver_object`) modified since `sinceMs`. */
function s3Objects(dir: string, sinceMs: number): { file: string; size: number }[] {
  const found: { file: string; size: number }[] = [];
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== '._S3rver_uploads') walk(full);
      } else if (entry.name.endsWith('._S3rver_object')) {
        const stats = statSync(full);
        if (stats.mtimeMs >= sinceMs) found.push({ file: full, size: stats.size });
      }
    }
  };
  walk(dir);
  return found;
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * MiB })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function mainS3() {
  await requireCurl();
  const info = await machine();
  const tmp = await makeTempDir('fileshare-bench-s3-');
  const sourceFile = path.join(tmp, 'source.bin');
  const warmFile = path.join(tmp, 'warm.bin');
  const responseFile = path.join(tmp, 'response.json');

  console.log(
    `Fileshare transfer benchmark, S3 mode: ${SIZE_MIB} MiB × ${ROUNDS} rounds, the bytes the API process reads`,
  );
  console.log(`machine: ${info.nproc} CPUs (${info.cpuModel}), ${info.memoryGiB} GiB, Linux ${info.kernel}`);
  console.log(`node ${info.serverNode} (server), S3 peer: s3rver in the benchmark's own process`);
  console.log(`temp dir: ${tmp}`);
  if (info.loadAverage1mAtStart > 0.5) {
    console.log(
      `warning: the 1-minute load average is ${info.loadAverage1mAtStart}; other work on this machine will make the times noisy`,
    );
  }

  process.stdout.write(`generating ${SIZE_MIB} MiB of random data… `);
  let started = performance.now();
  const sourceSha256 = makeRandomFile(sourceFile, SIZE);
  makeRandomFile(warmFile, 4 * MiB);
  console.log(`${fmt((performance.now() - started) / 1000)} s`);

  // The S3 peer: s3rver, with the multipart operations it lacks added (tools/s3rver.ts).
  const { startS3rver } = await import('../tools/s3rver.ts');
  const s3Dir = path.join(tmp, 's3');
  const bucket = 'bench';
  const s3 = await startS3rver(s3Dir, bucket);
  const s3Endpoint = s3.config.endpoint ?? '';

  const api = await startApi(tmp, {
    cpuProfDir: CPU_PROF_DIR,
    env: {
      S3_ENDPOINT: s3Endpoint,
      S3_BUCKET: bucket,
      S3_REGION: 'us-east-1',
      S3_ACCESS_KEY_ID: 'S3RVER',
      S3_SECRET_ACCESS_KEY: 'S3RVER',
      S3_FORCE_PATH_STYLE: 'true',
    },
  });
  const pid = api.pid;
  console.log(`s3rver on ${s3Endpoint} (bucket ${bucket}), API on ${api.url} (pid ${pid})`);
  const apiHandle: ApiHandle = { url: api.url, token: api.token };

  async function upload(variant: S3Variant, file: string, size: number, sha256: string, what: string) {
    if (variant === 's3-simple')
      return curlSimpleUpload(api, file, 'simple.bin', { size, sha256 }, responseFile, what);
    const declare = variant === 'session-sha256';
    const result = await sessionUpload(apiHandle, file, `${variant}.bin`, size, tmp, what, {
      parallel: PARALLEL,
      serverCpu: () => cpuSeconds([pid]),
      ...(declare ? { declareSha256: sha256 } : {}),
    });
    // Without a declared SHA-256 the server never sees the content, so it records none.
    const expected = declare ? sha256 : null;
    if (result.node.sha256 !== expected) {
      throw new BenchError(`${what}: the API recorded SHA-256 ${result.node.sha256}, expected ${expected}`);
    }
    return result;
  }

  await prepareParts(apiHandle, warmFile, 4 * MiB, tmp);
  await prepareParts(apiHandle, sourceFile, SIZE, tmp);
  const warmSha256 = await sha256Of(warmFile);
  for (const { variant } of S3_VARIANTS) {
    for (let i = 0; i < 2; i++) await upload(variant, warmFile, 4 * MiB, warmSha256, `warm-up ${variant}`);
  }
  await settle();
  await sleep(1_000);

  const sampler = new RssSampler(pid);
  sampler.start();
  const uploads: S3Upload[] = [];
  started = performance.now();
  for (let round = 1; round <= ROUNDS; round++) {
    for (const { variant } of S3_VARIANTS) {
      const what = `round ${round} ${variant}`;
      const since = Date.now() - 1_000;
      sampler.window();
      const cpuBefore = cpuSeconds([pid]);
      const ioBefore = procIo(pid);
      const result = await upload(variant, sourceFile, SIZE, sourceSha256, what);
      const io = ioDelta(ioBefore, procIo(pid));
      const cpu = cpuSeconds([pid]) - cpuBefore;
      const peak = sampler.window();
      // The object in the store is the file (checked after the timing, on s3rver's disk).
      const objects = s3Objects(path.join(s3Dir, bucket), since).filter((o) => o.size === SIZE);
      const hashes = await Promise.all(objects.map((o) => sha256Of(o.file)));
      if (!hashes.includes(sourceSha256)) {
        throw new BenchError(
          `${what}: no object in the store has the file's SHA-256 (${objects.length} candidates)`,
        );
      }
      await settle();
      const phases = 'phases' in result ? result.phases : undefined;
      const entry: S3Upload = {
        round,
        variant,
        bytes: SIZE,
        seconds: Number(result.seconds.toFixed(3)),
        mibPerSecond: mib(SIZE) / result.seconds,
        io,
        serverCpuSeconds: Number(cpu.toFixed(2)),
        peakRssMiB: Number(fmt(mib(peak))),
        ...(phases === undefined ? {} : { session: phases }),
      };
      uploads.push(entry);
      console.log(
        `  round ${round} ${variant.padEnd(14)} ${fmt(entry.mibPerSecond).padStart(6)} MiB/s ${fmt(entry.seconds, 2).padStart(6)} s` +
          `  API read ${human(io.rchar)} (disk ${human(io.readBytes)}), wrote ${human(io.wchar)},` +
          ` CPU ${fmt(cpu, 2)} s, peak RSS ${fmt(mib(peak))} MiB` +
          (phases === undefined
            ? ''
            : `\n      (create ${fmt(phases.createSeconds, 2)} s, ${phases.partCount} parts ${fmt(phases.partsSeconds, 2)} s,` +
              ` complete ${fmt(phases.completeSeconds, 2)} s [server CPU ${fmt(phases.completeServerCpuSeconds ?? Number.NaN, 2)} s])`),
      );
    }
  }
  const elapsed = (performance.now() - started) / 1000;
  sampler.stop();
  await stopChild(api.child, 'SIGTERM');
  await s3.close();
  const apiLog = tail(api.logFile, 20);

  const summary = S3_VARIANTS.map(({ variant, label }) => {
    const series = uploads.filter((u) => u.variant === variant);
    const m = (pick: (u: S3Upload) => number) => median(series.map(pick));
    return {
      variant,
      label,
      fileMiB: SIZE_MIB,
      apiReadBytes: m((u) => u.io.rchar),
      apiReadMiB: m((u) => mib(u.io.rchar)),
      apiReadOfFile: m((u) => u.io.rchar / u.bytes),
      apiDiskReadBytes: m((u) => u.io.readBytes),
      apiWroteBytes: m((u) => u.io.wchar),
      apiCpuSeconds: m((u) => u.serverCpuSeconds),
      seconds: m((u) => u.seconds),
      miBps: m((u) => u.mibPerSecond),
    };
  });
  const target = summary[0];
  // "None of the file's bytes": anything that went through the API would be at least one whole part.
  const partSize = uploads.find((u) => u.session !== undefined)?.session?.partSize ?? 8 * MiB;
  const pass = target !== undefined && target.apiReadMiB < mib(partSize);

  console.log(
    `\nResults: ${SIZE_MIB} MiB file, ${ROUNDS} round${ROUNDS === 1 ? '' : 's'}, S3 driver (s3rver), medians (${fmt(elapsed, 0)} s)\n`,
  );
  console.log(
    table([
      [
        'upload to S3',
        'file MiB',
        'API read (rchar)',
        'of the file',
        'API disk read',
        'API wrote (wchar)',
        'API CPU s',
        's',
        'MiB/s',
      ],
      ...summary.map((r) => [
        r.label,
        fmt(r.fileMiB, 0),
        human(r.apiReadBytes),
        `${fmt(r.apiReadOfFile * 100, 3)} %`,
        human(r.apiDiskReadBytes),
        human(r.apiWroteBytes),
        fmt(r.apiCpuSeconds, 2),
        fmt(r.seconds, 1),
        fmt(r.miBps),
      ]),
    ]),
  );
  console.log(
    `\nsession upload, the API read ${human(target?.apiReadBytes ?? Number.NaN)} of a ${SIZE_MIB} MiB file` +
      ` (target: none of the file's bytes, i.e. less than one ${fmt(mib(partSize), 0)} MiB part): ${pass ? 'PASS' : 'FAIL'}`,
  );
  console.log('times are not comparable with the other mode: s3rver runs in the benchmark process');
  if (apiLog.trim() !== '') console.log(`\nAPI server log (warnings and errors):\n${apiLog}`);

  const report = {
    benchmark: 'transfer-s3',
    machine: info,
    settings: {
      sizeMiB: SIZE_MIB,
      rounds: ROUNDS,
      client: 'curl',
      sessionParallel: PARALLEL,
      contentMd5: false,
      s3: 's3rver 3.7.1 in the benchmark process, with tools/s3rver.ts',
    },
    summary,
    target: { apiReadBelowMiB: mib(partSize), pass },
    uploads,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  const out = path.join(RESULTS_DIR, 'transfer-s3-latest.json');
  await writeFile(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwritten to ${path.relative(process.cwd(), out) || out}`);
}

runBenchmark(S3_MODE ? mainS3 : main);

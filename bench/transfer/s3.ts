/**
 * The transfer benchmark's S3 mode (BENCH_S3=1): the bytes the API process reads while a file goes
 * to an S3 peer (s3rver, in this process) by a session whose parts go to presigned URLs, next to a
 * session with a declared SHA-256 and a simple upload. Target: none of the file's bytes.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startS3rver } from '../../tools/s3rver.ts';
import { startApi } from '../support/api-server.ts';
import { curlSimpleUpload, requireCurl } from '../support/curl.ts';
import { makeTestFiles, settle, sha256Of, type TestFile } from '../support/files.ts';
import { countIo, cpuSeconds, type IoCounters, RssSampler } from '../support/process-stats.ts';
import { BenchError, makeTempDir, onCleanUp, stopChild, tail } from '../support/processes.ts';
import {
  fmt,
  human,
  machine,
  median,
  mib,
  printMachine,
  table,
  verdict,
  writeReport,
} from '../support/report.ts';
import { CPU_PROF_DIR, MiB, ROUNDS, SIZE, SIZE_MIB } from '../support/settings.ts';
import { prepareParts, type SessionPhases, sessionUpload } from './session-upload.ts';
import { PARALLEL, SAMPLE_INTERVAL_MS } from './settings.ts';

type S3Variant = 'session' | 'session-sha256' | 's3-simple';

const VARIANTS: { variant: S3Variant; label: string }[] = [
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
  io: IoCounters;
  serverCpuSeconds: number;
  peakRssMiB: number;
  session?: SessionPhases;
}

/** Files of s3rver's store (`<dir>/<bucket>/<key>._S3rver_object`) modified since `sinceMs`. */
function s3Objects(dir: string, sinceMs: number): { file: string; size: number }[] {
  const found: { file: string; size: number }[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const full = path.join(entry.parentPath, entry.name);
    if (!entry.isFile() || !entry.name.endsWith('._S3rver_object') || full.includes('._S3rver_uploads'))
      continue;
    const stats = statSync(full);
    if (stats.mtimeMs >= sinceMs) found.push({ file: full, size: stats.size });
  }
  return found;
}

function describe(u: S3Upload): string {
  const p = u.session;
  return (
    `  round ${u.round} ${u.variant.padEnd(14)} ${fmt(u.mibPerSecond).padStart(6)} MiB/s ${fmt(u.seconds, 2).padStart(6)} s` +
    `  API read ${human(u.io.rchar)} (disk ${human(u.io.readBytes)}), wrote ${human(u.io.wchar)},` +
    ` CPU ${fmt(u.serverCpuSeconds, 2)} s, peak RSS ${fmt(u.peakRssMiB)} MiB` +
    (p === undefined
      ? ''
      : `\n      (create ${fmt(p.createSeconds, 2)} s, ${p.partCount} parts ${fmt(p.partsSeconds, 2)} s,` +
        ` complete ${fmt(p.completeSeconds, 2)} s [server CPU ${fmt(p.completeServerCpuSeconds, 2)} s])`)
  );
}

export async function measureS3() {
  await requireCurl();
  const info = await machine();
  const dir = await makeTempDir('fileshare-bench-s3-');
  console.log(
    `Fileshare transfer benchmark, S3 mode: ${SIZE_MIB} MiB × ${ROUNDS} rounds, the bytes the API process reads`,
  );
  printMachine(
    info,
    `node ${info.serverNode} (server), S3 peer: s3rver in the benchmark's own process`,
    dir,
    'server drivers: PGlite, in-process cache, blobs on S3 (s3rver)',
  );
  const { source, warm } = makeTestFiles(dir);

  // The S3 peer: s3rver, with the multipart operations it lacks added (tools/s3rver.ts).
  const s3Dir = path.join(dir, 's3');
  const bucket = 'bench';
  const s3 = await startS3rver(s3Dir, bucket);
  onCleanUp(s3.close);
  const s3Endpoint = s3.config.endpoint ?? '';
  const api = await startApi(dir, {
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
  const responseFile = path.join(dir, 'response.json');

  function upload(variant: S3Variant, file: TestFile, what: string) {
    if (variant === 's3-simple') return curlSimpleUpload(api, file, 'simple.bin', responseFile, what);
    return sessionUpload(api, file, `${variant}.bin`, dir, what, {
      parallel: PARALLEL,
      serverCpu: () => cpuSeconds([pid]),
      declareSha256: variant === 'session-sha256',
    });
  }

  await prepareParts(api, warm.path, warm.size, dir);
  await prepareParts(api, source.path, source.size, dir);
  for (const { variant } of VARIANTS) {
    for (let i = 0; i < 2; i++) await upload(variant, warm, `warm-up ${variant}`);
  }
  await settle();
  await sleep(1_000);

  const sampler = new RssSampler(pid, SAMPLE_INTERVAL_MS);
  sampler.start();
  const uploads: S3Upload[] = [];
  const started = performance.now();
  for (let round = 1; round <= ROUNDS; round++) {
    for (const { variant } of VARIANTS) {
      const what = `round ${round} ${variant}`;
      const since = Date.now() - 1_000;
      sampler.window();
      const cpuBefore = cpuSeconds([pid]);
      const ioSince = countIo(pid);
      const result = await upload(variant, source, what);
      const io = ioSince();
      const cpu = cpuSeconds([pid]) - cpuBefore;
      const peak = sampler.window();
      // The object in the store is the file (checked after the timing, on s3rver's disk).
      const objects = s3Objects(path.join(s3Dir, bucket), since).filter((o) => o.size === SIZE);
      const hashes = await Promise.all(objects.map((o) => sha256Of(o.file)));
      if (!hashes.includes(source.sha256)) {
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
        peakRssMiB: Number(fmt(peak)),
        ...(phases === undefined ? {} : { session: phases }),
      };
      uploads.push(entry);
      console.log(describe(entry));
    }
  }
  const elapsed = (performance.now() - started) / 1000;
  sampler.stop();
  await stopChild(api.child, 'SIGTERM');
  await printS3Results(uploads, elapsed, tail(api.logFile, 20), info);
}

async function printS3Results(uploads: S3Upload[], elapsed: number, apiLog: string, info: unknown) {
  const summary = VARIANTS.map(({ variant, label }) => {
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
      ` (target: none of the file's bytes, i.e. less than one ${fmt(mib(partSize), 0)} MiB part): ${verdict(pass)}`,
  );
  console.log('times are not comparable with the other mode: s3rver runs in the benchmark process');
  if (apiLog.trim() !== '') console.log(`\nAPI server log (warnings and errors):\n${apiLog}`);

  await writeReport('transfer-s3', {
    benchmark: 'transfer-s3',
    machine: info,
    settings: {
      sizeMiB: SIZE_MIB,
      rounds: ROUNDS,
      client: 'curl',
      sessionParallel: PARALLEL,
      contentMd5: false,
      s3: 's3rver in the benchmark process, with tools/s3rver.ts',
    },
    summary,
    target: { apiReadBelowMiB: mib(partSize), pass },
    uploads,
  });
}

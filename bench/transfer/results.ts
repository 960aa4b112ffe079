/**
 * The transfer benchmark's results: the medians against the targets, the CPU and flush context, the
 * session upload next to the simple one, the API server's memory; printed as tables and written to
 * bench/results/transfer-latest.json.
 */
import type { IoCounters } from '../support/process-stats.ts';
import { fmt, type Machine, median, mib, table, verdict, writeReport } from '../support/report.ts';
import { CPU_PROF_DIR, GiB, ROUNDS, SIZE_MIB } from '../support/settings.ts';
import type { Op, Transfer } from './measure.ts';
import type { Side } from './servers.ts';
import {
  PARALLEL,
  SAMPLE_INTERVAL_MS,
  TARGET_CPU_RATIO,
  TARGET_RATIO,
  TARGET_RSS_GROWTH_MIB,
} from './settings.ts';

interface Run {
  info: Machine & { nginx: string };
  transfers: Transfer[];
  elapsed: number;
  /** The API server's memory in bytes: after warm-up, VmHWM at the end, the sampled peak. */
  memory: { baseline: number; hwm: number; hwmReset: boolean; sampledPeak: number; samples: number };
  apiLog: string;
}

const COMPARED = [
  { transfer: 'upload', op: 'upload', side: 'api' },
  { transfer: 'upload (session)', op: 'upload', side: 'session' },
  { transfer: 'download', op: 'download', side: 'api' },
  { transfer: 'download (zip)', op: 'download', side: 'zip' },
] as const;
/** The zip has no target of its own: its row is there to compare with the download's. */
const HAS_TARGET = new Set<Side>(['api', 'session']);

function summarise({ transfers, memory }: Run) {
  const seriesOf = (op: Op, side: Side) => transfers.filter((t) => t.op === op && t.side === side);
  const medianOf = (op: Op, side: Side) => median(seriesOf(op, side).map((t) => t.mibPerSecond));
  const throughput = COMPARED.map(({ transfer, op, side }) => {
    const ratio = medianOf(op, side) / medianOf(op, 'nginx');
    const target = HAS_TARGET.has(side) ? TARGET_RATIO : null;
    return {
      transfer,
      op,
      side,
      apiMiBps: medianOf(op, side),
      nginxMiBps: medianOf(op, 'nginx'),
      ratio,
      target,
      pass: target === null ? null : ratio >= target,
    };
  });
  // CPU per GiB, and uploads with the flush to disk counted on both sides (the API fsyncs before it
  // answers, nginx leaves dirty pages behind).
  const perGiB = (op: Op, side: Side, pick: (t: Transfer) => number) =>
    median(seriesOf(op, side).map((t) => pick(t) / (t.bytes / GiB)));
  const withSync = (op: Op, side: Side) =>
    median(seriesOf(op, side).map((t) => mib(t.bytes) / (t.seconds + t.syncSeconds)));
  const context = COMPARED.map(({ transfer, op, side }) => ({
    transfer,
    op,
    side,
    apiCpuSecondsPerGiB: perGiB(op, side, (t) => t.serverCpuSeconds),
    apiMainThreadCpuSecondsPerGiB: perGiB(op, side, (t) => t.mainThreadCpuSeconds ?? Number.NaN),
    nginxCpuSecondsPerGiB: perGiB(op, 'nginx', (t) => t.serverCpuSeconds),
    apiMiBpsIncludingSync: withSync(op, side),
    nginxMiBpsIncludingSync: withSync(op, 'nginx'),
    ratioIncludingSync: withSync(op, side) / withSync(op, 'nginx'),
  }));
  // CPU per GiB against both references: nginx (the targets) and the bare Node server, which does
  // the same work as the API (SHA-256 and fsync on uploads) with nothing but node:http: the floor
  // for a Node server on this machine. The session's floor is the bare Node server given its parts,
  // as many at a time.
  const cpuOf = (op: Op, side: Side) => perGiB(op, side, (t) => t.serverCpuSeconds);
  const cpu = COMPARED.filter(({ side }) => side !== 'zip').map(({ transfer, op, side }) => {
    const api = cpuOf(op, side);
    const bare: Side = side === 'session' ? 'node-parts' : 'node';
    const target =
      side === 'session'
        ? { against: 'simple upload', ratio: api / cpuOf('upload', 'api'), most: 1 }
        : { against: 'nginx', ratio: api / cpuOf(op, 'nginx'), most: TARGET_CPU_RATIO[op] };
    return {
      transfer,
      op,
      side,
      apiCpuSecondsPerGiB: api,
      bareNode: bare,
      bareNodeCpuSecondsPerGiB: cpuOf(op, bare),
      nginxCpuSecondsPerGiB: cpuOf(op, 'nginx'),
      apiToBareNode: api / cpuOf(op, bare),
      bareNodeToNginx: cpuOf(op, bare) / cpuOf(op, 'nginx'),
      bareNodeMiBps: medianOf(op, bare),
      target,
      pass: target.ratio <= target.most,
    };
  });
  // The two upload paths side by side: the steps of a session, and what the server read and wrote.
  const sessions = seriesOf('upload', 'session');
  const phase = (pick: (p: NonNullable<Transfer['session']>) => number) =>
    median(sessions.map((t) => (t.session === undefined ? Number.NaN : pick(t.session))));
  const ioMedian = (side: Side, field: keyof IoCounters) =>
    median(seriesOf('upload', side).map((t) => mib(t.io?.[field] ?? 0)));
  const session = {
    parallel: PARALLEL,
    partSize: sessions[0]?.session?.partSize ?? 0,
    partCount: sessions[0]?.session?.partCount ?? 0,
    partsNeedCredentials: sessions[0]?.session?.partsNeedCredentials ?? true,
    contentMd5: false,
    miBps: medianOf('upload', 'session'),
    simpleMiBps: medianOf('upload', 'api'),
    ratioToSimple: medianOf('upload', 'session') / medianOf('upload', 'api'),
    ratioToNginx: medianOf('upload', 'session') / medianOf('upload', 'nginx'),
    createSeconds: phase((p) => p.createSeconds),
    partsSeconds: phase((p) => p.partsSeconds),
    completeSeconds: phase((p) => p.completeSeconds),
    partsServerCpuSeconds: phase((p) => p.partsServerCpuSeconds),
    completeServerCpuSeconds: phase((p) => p.completeServerCpuSeconds),
    partsMiBps: median(sessions.map((t) => mib(t.bytes) / (t.session?.partsSeconds ?? Number.NaN))),
    medianPartSeconds: phase((p) => p.medianPartSeconds),
    slowestPartSeconds: phase((p) => p.slowestPartSeconds),
    apiReadMiB: { simple: ioMedian('api', 'rchar'), session: ioMedian('session', 'rchar') },
    apiWrittenMiB: { simple: ioMedian('api', 'wchar'), session: ioMedian('session', 'wchar') },
    apiDiskWriteMiB: { simple: ioMedian('api', 'writeBytes'), session: ioMedian('session', 'writeBytes') },
  };
  // The peak is the larger of what the sampler saw and the kernel's own high-water mark (when it could be reset).
  const peak = Math.max(memory.sampledPeak, memory.hwmReset ? memory.hwm : 0);
  const rss = {
    baselineMiB: mib(memory.baseline),
    sampledPeakMiB: mib(memory.sampledPeak),
    vmHwmMiB: mib(memory.hwm),
    vmHwmResetAfterWarmUp: memory.hwmReset,
    peakMiB: mib(peak),
    growthMiB: mib(peak - memory.baseline),
    targetGrowthMiB: TARGET_RSS_GROWTH_MIB,
    pass: mib(peak - memory.baseline) < TARGET_RSS_GROWTH_MIB,
    samples: memory.samples,
    sampleIntervalMs: SAMPLE_INTERVAL_MS,
  };
  return { throughput, context, cpu, session, rss };
}

export async function printResults(run: Run) {
  const { throughput, context, cpu, session, rss } = summarise(run);
  console.log(
    `\nResults: ${SIZE_MIB} MiB file, ${ROUNDS} rounds, medians (${fmt(run.elapsed, 0)} s of transfers)\n`,
  );
  console.log(
    table([
      ['transfer', 'API MiB/s', 'nginx MiB/s', 'API/nginx', 'target', 'result'],
      ...throughput.map((t) => [
        t.transfer,
        fmt(t.apiMiBps),
        fmt(t.nginxMiBps),
        `${fmt(t.ratio, 2)}×`,
        t.target === null ? '—' : `≥ ${fmt(t.target, 1)}×`,
        t.pass === null ? '—' : verdict(t.pass),
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
    '\nCPU per GiB (medians) against nginx and a bare Node server doing the same work (SHA-256 and fsync on uploads;' +
      ' for the session, of each part, sent to it as the session sends them)\n',
  );
  console.log(
    table([
      [
        'transfer',
        'API s/GiB',
        'bare Node s/GiB',
        'nginx s/GiB',
        'API/bare Node',
        'bare Node/nginx',
        'target',
        'result',
      ],
      ...cpu.map((c) => [
        c.transfer,
        fmt(c.apiCpuSecondsPerGiB, 2),
        fmt(c.bareNodeCpuSecondsPerGiB, 2),
        fmt(c.nginxCpuSecondsPerGiB, 2),
        `${fmt(c.apiToBareNode, 2)}×`,
        `${fmt(c.bareNodeToNginx, 2)}×`,
        `${fmt(c.target.ratio, 2)}× of ${c.target.against} ≤ ${fmt(c.target.most, 1)}×`,
        verdict(c.pass),
      ]),
    ]),
  );
  console.log(
    `bare Node MiB/s: upload ${fmt(cpu[0]?.bareNodeMiBps ?? Number.NaN)}, the session's parts ${fmt(cpu[1]?.bareNodeMiBps ?? Number.NaN)},` +
      ` download ${fmt(cpu[2]?.bareNodeMiBps ?? Number.NaN)}`,
  );
  console.log(
    `\nUpload through a session: ${session.partCount} parts of ${fmt(mib(session.partSize), 0)} MiB,` +
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
        fmt(session.simpleMiBps),
        ...['', '', '', '', ''],
        fmt(session.apiReadMiB.simple),
        fmt(session.apiDiskWriteMiB.simple),
      ],
      [
        'session',
        fmt(session.miBps),
        ...[session.createSeconds, session.partsSeconds, session.completeSeconds].map((s) => fmt(s, 2)),
        ...[session.partsServerCpuSeconds, session.completeServerCpuSeconds].map((s) => fmt(s, 2)),
        fmt(session.apiReadMiB.session),
        fmt(session.apiDiskWriteMiB.session),
      ],
    ]),
  );
  console.log(
    `session / simple ${fmt(session.ratioToSimple, 2)}×, session / nginx ${fmt(session.ratioToNginx, 2)}×;` +
      ` the parts alone ${fmt(session.partsMiBps)} MiB/s (a part ${fmt(session.medianPartSeconds, 2)} s median,` +
      ` the slowest ${fmt(session.slowestPartSeconds, 2)} s)`,
  );
  console.log(
    `\n${table([
      ['API server memory', 'MiB'],
      ['RSS baseline (after warm-up)', fmt(rss.baselineMiB)],
      [`RSS peak (sampled every ${SAMPLE_INTERVAL_MS} ms)`, fmt(rss.sampledPeakMiB)],
      [
        `VmHWM at end${rss.vmHwmResetAfterWarmUp ? ' (reset after warm-up)' : ' (since start)'}`,
        fmt(rss.vmHwmMiB),
      ],
      ['growth (peak − baseline)', fmt(rss.growthMiB)],
      ['target', `< ${TARGET_RSS_GROWTH_MIB}`],
      ['result', verdict(rss.pass)],
    ])}`,
  );
  if (run.apiLog.trim() !== '') console.log(`\nAPI server log (warnings and errors):\n${run.apiLog}`);

  await writeReport('transfer', {
    benchmark: 'transfer',
    machine: run.info,
    settings: {
      sizeMiB: SIZE_MIB,
      rounds: ROUNDS,
      client: 'curl',
      sessionParallel: PARALLEL,
      cpuProfileDir: CPU_PROF_DIR ?? null,
    },
    throughput,
    context,
    cpu,
    session,
    rss,
    transfers: run.transfers,
  });
}

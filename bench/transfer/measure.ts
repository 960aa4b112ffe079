/**
 * One measured transfer: the server's CPU time (and the API's main thread's), what the API read and
 * wrote, its peak RSS, then the `sync` that puts the bytes on disk; printed as a line and kept.
 */

import { settle } from '../support/files.ts';
import {
  countIo,
  cpuSeconds,
  type IoCounters,
  mainThreadCpuSeconds,
  monotonicUs,
  type RssSampler,
  threadCpuSeconds,
} from '../support/process-stats.ts';
import { fmt, mib } from '../support/report.ts';
import { isReference, type Side } from './servers.ts';
import type { SessionPhases } from './session-upload.ts';

export type Op = 'upload' | 'download';

export interface Transfer {
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
  /** The API server's CPU time by thread name (threads alive at the end; the 0.01 s readings left out). */
  threadCpuSeconds?: Record<string, number>;
  /** The API server's highest sampled RSS during this transfer (MiB); only for the API sides. */
  peakRssMiB?: number;
  /** What the API server read and wrote during the transfer (/proc/<pid>/io); only for the API sides. */
  io?: IoCounters;
  /** Session uploads: the time of each step (included in `seconds`). */
  session?: SessionPhases;
}

export interface Watched {
  apiPid: number;
  nginxPids: number[];
  nodePid: number;
  sampler: RssSampler;
}

function describe(t: Transfer): string {
  const api = !isReference(t.side);
  const p = t.session;
  return (
    `  round ${t.round} ${t.op.padEnd(8)} ${t.side.padEnd(10)} ${fmt(t.mibPerSecond).padStart(7)} MiB/s` +
    `  ${fmt(t.seconds, 2).padStart(6)} s  server CPU ${fmt(t.serverCpuSeconds, 2).padStart(5)} s` +
    (api ? ` (main thread ${fmt(t.mainThreadCpuSeconds ?? Number.NaN, 2)} s)` : '') +
    (t.threadCpuSeconds === undefined
      ? ''
      : ` [${Object.entries(t.threadCpuSeconds)
          .map(([name, seconds]) => `${name} ${fmt(seconds, 2)}`)
          .join(', ')}]`) +
    `  then sync ${fmt(t.syncSeconds, 2)} s${api ? `  peak RSS ${fmt(t.peakRssMiB ?? Number.NaN)} MiB` : ''}` +
    (t.io === undefined ? '' : `  read ${fmt(mib(t.io.rchar))} MiB`) +
    (p === undefined
      ? ''
      : `\n      (create ${fmt(p.createSeconds, 2)} s, ${p.partCount} parts ${fmt(p.partsSeconds, 2)} s` +
        ` [server CPU ${fmt(p.partsServerCpuSeconds, 2)} s],` +
        ` complete ${fmt(p.completeSeconds, 2)} s [server CPU ${fmt(p.completeServerCpuSeconds, 2)} s]; a part ${fmt(p.medianPartSeconds, 2)} s median,` +
        ` ${fmt(p.slowestPartSeconds, 2)} s slowest)`)
  );
}

/** Runs one transfer with the server's CPU time, I/O and peak RSS around it, then flushes the disk. */
export async function measureTransfer(
  watched: Watched,
  round: number,
  op: Op,
  side: Side,
  transfer: () => Promise<{ bytes: number; seconds: number; phases?: SessionPhases }>,
): Promise<Transfer> {
  const { apiPid, sampler } = watched;
  const isApi = !isReference(side);
  const pids = isApi ? [apiPid] : side === 'nginx' ? watched.nginxPids : [watched.nodePid];
  sampler.window();
  const cpuBefore = cpuSeconds(pids);
  const mainBefore = mainThreadCpuSeconds(apiPid);
  const threadsBefore = isApi ? threadCpuSeconds(apiPid) : {};
  const ioSince = isApi ? countIo(apiPid) : undefined;
  const startedUs = monotonicUs();
  const result = await transfer();
  const endedUs = monotonicUs();
  const cpu = cpuSeconds(pids) - cpuBefore;
  const mainCpu = mainThreadCpuSeconds(apiPid) - mainBefore;
  const threads = Object.entries(isApi ? threadCpuSeconds(apiPid) : {})
    .map(([name, seconds]) => [name, Number((seconds - (threadsBefore[name] ?? 0)).toFixed(2))] as const)
    .filter(([, seconds]) => seconds > 0.01);
  const io = ioSince?.();
  const peak = sampler.window();
  const syncSeconds = await settle();
  const measured: Transfer = {
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
      ? {
          mainThreadCpuSeconds: Number(mainCpu.toFixed(2)),
          threadCpuSeconds: Object.fromEntries(threads),
          peakRssMiB: Number(fmt(peak)),
          io,
        }
      : {}),
    ...(result.phases === undefined ? {} : { session: result.phases }),
  };
  console.log(describe(measured));
  return measured;
}

/**
 * What a process used, read from Linux's /proc: CPU time (of all its threads, of its main thread, of
 * this process's waited-for children), resident memory and its peak, and bytes read and written.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { BenchError } from './processes.ts';
import { MiB } from './settings.ts';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on every Linux architecture we run on). */
const USER_HZ = 100;

/** The fields of a /proc stat file after the command name (which may contain spaces): field 3 onwards. */
function statFields(file: string): string[] | undefined {
  try {
    const stat = readFileSync(file, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** utime + stime (fields 14 and 15) of a /proc stat file, in seconds; 0 when it is gone. */
function statCpuSeconds(file: string): number {
  const fields = statFields(file);
  return fields === undefined ? 0 : (Number(fields[11]) + Number(fields[12])) / USER_HZ;
}

/** User + system CPU seconds of the processes `pids` (all their threads). */
export function cpuSeconds(pids: (number | undefined)[]): number {
  return pids.reduce<number>(
    (total, pid) => total + (pid === undefined ? 0 : statCpuSeconds(`/proc/${pid}/stat`)),
    0,
  );
}

/** CPU time of a process's main thread alone (the one that runs its JavaScript, for Node). */
export function mainThreadCpuSeconds(pid: number): number {
  return statCpuSeconds(`/proc/${pid}/task/${pid}/stat`);
}

/**
 * CPU seconds of each of a process's live threads, summed by thread name (Node names its main
 * thread `MainThread`, its thread pool's `libuv-worker`, a worker thread after its `name` option).
 */
export function threadCpuSeconds(pid: number): Record<string, number> {
  const byName: Record<string, number> = {};
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return byName;
  }
  for (const task of tasks) {
    let name: string;
    try {
      name = readFileSync(`/proc/${pid}/task/${task}/comm`, 'utf8').trim();
    } catch {
      continue;
    }
    byName[name] = (byName[name] ?? 0) + statCpuSeconds(`/proc/${pid}/task/${task}/stat`);
  }
  return byName;
}

/** CPU seconds of this process's children that have exited and been waited for (curl): cutime + cstime. */
export function reapedChildrenCpuSeconds(): number {
  const fields = statFields('/proc/self/stat') ?? [];
  return (Number(fields[13]) + Number(fields[14])) / USER_HZ;
}

/** Monotonic clock in µs, the clock of `node --cpu-prof` profiles: to slice a profile by measured run. */
export const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/** Every process's parent, from /proc. */
function parents(): Map<number, number> {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = statFields(`/proc/${entry}/stat`)?.[1];
    if (parent !== undefined) parentOf.set(Number(entry), Number(parent));
  }
  return parentOf;
}

/** `pid` and its direct children (nginx's master and workers). */
export function withChildren(pid: number | undefined): number[] {
  if (pid === undefined) return [];
  return [pid, ...[...parents()].filter(([, parent]) => parent === pid).map(([child]) => child)];
}

/** Every process below `root` (Chromium's browser, renderer, GPU and network processes). */
export function descendants(root: number): number[] {
  const parentOf = parents();
  const found: number[] = [];
  let frontier = [root];
  while (frontier.length > 0) {
    const next = [...parentOf].filter(([, parent]) => frontier.includes(parent)).map(([pid]) => pid);
    found.push(...next);
    frontier = next;
  }
  return found;
}

/** VmRSS (now) or VmHWM (the peak) of a process, in bytes. */
export function memory(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'),
    );
    return match?.[1] === undefined ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

/** Resets the kernel's VmHWM (peak RSS) counter of `pid` (Linux ≥ 4.0, writing "5" to clear_refs). */
export function resetPeakMemory(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Samples a process's RSS every `intervalMs`: the peak of the run, and of each window. */
export class RssSampler {
  readonly pid: number;
  readonly intervalMs: number;
  peak = 0;
  /** The peak since the last call to `window()`. */
  private windowPeak = 0;
  samples = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(pid: number, intervalMs: number) {
    this.pid = pid;
    this.intervalMs = intervalMs;
  }

  private sample() {
    const rss = memory(this.pid, 'VmRSS');
    if (rss === undefined) return;
    this.samples++;
    if (rss > this.peak) this.peak = rss;
    if (rss > this.windowPeak) this.windowPeak = rss;
  }

  start() {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  stop() {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.sample();
  }

  /** The peak since the previous window, in MiB. */
  window(): number {
    const peak = this.windowPeak;
    this.windowPeak = 0;
    return peak / MiB;
  }
}

/** Deltas of /proc/<pid>/io: bytes through read/write calls (files, sockets, pipes) and to/from the block layer. */
export interface IoCounters {
  rchar: number;
  wchar: number;
  readBytes: number;
  writeBytes: number;
}

/** The I/O counters of `pid` (all its threads). */
export function io(pid: number): IoCounters {
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

/** Starts counting `pid`'s I/O; the function returned gives what it read and wrote since. */
export function countIo(pid: number): () => IoCounters {
  const before = io(pid);
  return () => {
    const after = io(pid);
    return {
      rchar: after.rchar - before.rchar,
      wchar: after.wchar - before.wchar,
      readBytes: after.readBytes - before.readBytes,
      writeBytes: after.writeBytes - before.writeBytes,
    };
  };
}

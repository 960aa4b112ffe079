/**
 * The product as `npm start` runs it: the server package's `start` script (its node flags included)
 * on the embedded defaults, in a data directory of the caller's, measured from outside through /proc.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../tools/processes.ts';
import { serverStartArgs } from '../../tools/server-start.ts';
import { SERVER_DIR, serverNode } from './api-server.ts';
import { descendants, memory } from './process-stats.ts';
import { BenchError, stopChild, tail, track } from './processes.ts';
import { MiB } from './settings.ts';

/** Threads of a process (the `Threads:` line of /proc/<pid>/status). */
export function threads(pid: number): number | undefined {
  try {
    const match = /^Threads:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] === undefined ? undefined : Number(match[1]);
  } catch {
    return undefined;
  }
}

/** The server process and every process below it. */
const tree = (pid: number) => [pid, ...descendants(pid)];

/** VmRSS or VmHWM of the server and its children, summed, in bytes. */
export function treeMemory(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  return tree(pid).reduce((total, each) => total + (memory(each, field) ?? 0), 0);
}

/** Samples the RSS of the server's process tree every `intervalMs`; `peak` is the highest sum seen. */
export function sampleTree(pid: number, intervalMs: number) {
  const state = { peak: 0 };
  const sample = () => {
    state.peak = Math.max(state.peak, treeMemory(pid, 'VmRSS'));
  };
  const timer = setInterval(sample, intervalMs);
  sample();
  return {
    get peak() {
      return state.peak;
    },
    /** Starts a new window: the peak from now on. */
    reset() {
      state.peak = treeMemory(pid, 'VmRSS');
    },
    stop() {
      clearInterval(timer);
      sample();
    },
  };
}

/**
 * Starts the server on a free port with its data in `dataDir` and returns once `/api/v1/ready`
 * answers 200, with the milliseconds that took from the spawn. The process runs with
 * `--report-on-signal`, so `heap()` can ask it for a diagnostic report (its V8 heap) by SIGWINCH
 * (not Node's default SIGUSR2, on which the server shuts down).
 */
export async function startProduct(dataDir: string, reportDir: string, logFile: string) {
  const port = await freePort();
  const log = openSync(logFile, 'a');
  const nodeOptions = [
    process.env.NODE_OPTIONS ?? '',
    '--report-on-signal',
    '--report-signal=SIGWINCH',
    `--report-directory=${reportDir}`,
  ];
  const started = performance.now();
  const child = track(
    spawn(serverNode(), serverStartArgs(), {
      cwd: SERVER_DIR,
      stdio: ['ignore', log, log],
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        NODE_OPTIONS: nodeOptions.join(' ').trim(),
      },
    }),
  );
  closeSync(log);
  const pid = child.pid;
  if (pid === undefined) throw new BenchError('the server has no pid');
  const url = `http://127.0.0.1:${port}/api/v1`;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new BenchError(`the server exited before it was ready:\n${tail(logFile)}`);
    }
    const status = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(1_000) }).then(
      async (response) => {
        await response.arrayBuffer();
        return response.status;
      },
      () => 0,
    );
    if (status === 200) break;
    if (performance.now() - started > 60_000)
      throw new BenchError(`not ready within 60 s:\n${tail(logFile)}`);
    await sleep(10);
  }
  const readyMs = performance.now() - started;
  // Sampled from here on, not through the start: the sampling would compete with the start it times
  // for the two cores, and the start's peak is the kernel's VmHWM, which misses nothing.
  const sampler = sampleTree(pid, 20);

  /** The V8 heap, from a diagnostic report the server writes when sent SIGUSR2. */
  async function heap() {
    const before = new Set(readdirSync(reportDir));
    process.kill(pid as number, 'SIGWINCH');
    for (let waited = 0; waited < 10_000; waited += 50) {
      const file = readdirSync(reportDir).find((name) => name.endsWith('.json') && !before.has(name));
      if (file !== undefined) {
        await sleep(200);
        const report = JSON.parse(readFileSync(path.join(reportDir, file), 'utf8')) as {
          javascriptHeap: { totalMemory: number; usedMemory: number };
        };
        return {
          totalMiB: report.javascriptHeap.totalMemory / MiB,
          usedMiB: report.javascriptHeap.usedMemory / MiB,
        };
      }
      await sleep(50);
    }
    throw new BenchError('the server wrote no diagnostic report');
  }

  return {
    child,
    pid,
    url,
    readyMs,
    sampler,
    heap,
    stop: async () => {
      sampler.stop();
      await stopChild(child, 'SIGTERM');
    },
  };
}

export type Product = Awaited<ReturnType<typeof startProduct>>;

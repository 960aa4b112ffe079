/**
 * The benchmarks' child processes and clean-up: every child and the run's temporary directory are
 * removed when the benchmark ends, fails or is stopped with Ctrl-C, and so is anything registered
 * with `onCleanUp` (a database, an S3 peer).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { hasExited, stopProcess, waitUntil } from '../../tools/processes.ts';

export class BenchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BenchError';
  }
}

const children = new Set<ChildProcess>();
/** Children started in a process group of their own (nginx: master and workers), killed as a group. */
const groups = new WeakSet<ChildProcess>();
const cleanups: (() => Promise<void>)[] = [];
let tempDir: string | undefined;
let cleanedUp = false;

/** The run's temporary directory (under BENCH_TMPDIR or the OS's). */
export async function makeTempDir(prefix: string): Promise<string> {
  tempDir = await mkdtemp(path.join(process.env.BENCH_TMPDIR?.trim() || os.tmpdir(), prefix));
  return tempDir;
}

/** Runs `cleanup` when the benchmark ends, in the reverse order of registration. */
export function onCleanUp(cleanup: () => Promise<void>) {
  cleanups.push(cleanup);
}

/** Synchronous, so it also works from process.on('exit'). */
function killAllSync() {
  if (cleanedUp) return;
  cleanedUp = true;
  for (const child of children) kill(child, 'SIGKILL');
  if (tempDir !== undefined) rmSync(tempDir, { recursive: true, force: true });
}

async function cleanUp() {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  killAllSync();
}

process.on('exit', killAllSync);
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.error(`\n${signal}: stopping`);
    void cleanUp().then(() => process.exit(130));
  });
}

/** Runs a benchmark's main function and exits: 0 when it ran, 1 (with the reason) when it failed. */
export function runBenchmark(main: () => Promise<void>) {
  main().then(
    async () => {
      await cleanUp();
      process.exit(0);
    },
    async (error: unknown) => {
      console.error(
        `\nbenchmark failed: ${error instanceof BenchError ? error.message : ((error as Error)?.stack ?? error)}`,
      );
      await cleanUp();
      process.exit(1);
    },
  );
}

export function track(child: ChildProcess, ownGroup = false): ChildProcess {
  children.add(child);
  if (ownGroup) groups.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

/** Signals a child that is still running, and its whole process group if it leads one. */
function kill(child: ChildProcess, signal: NodeJS.Signals) {
  if (hasExited(child) || child.pid === undefined) return;
  try {
    if (groups.has(child)) process.kill(-child.pid, signal);
    else child.kill(signal);
  } catch {}
}

/** Asks a child to stop (gently, so a CPU profile gets written), and kills it after 10 s. */
export function stopChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  return stopProcess(child, signal, 10_000);
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (asynchronously, so the RSS sampler keeps ticking); `env` is added to this process's. */
export function run(command: string, args: string[], env: Record<string, string> = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = track(
      spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } }),
    );
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

/** The first line a program prints about its version, or 'unknown' when it is missing. */
export async function version(command: string, args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(command, args);
    return `${stdout}${stderr}`.split('\n')[0]?.trim() ?? '';
  } catch {
    return 'unknown';
  }
}

/** Polls `url` until it answers, and returns the status; fails with the log's tail if `child` dies first. */
export async function waitFor(url: string, child: ChildProcess, what: string, logFile: string) {
  let status = 0;
  const answers = async () => {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    status = response.status;
    return true;
  };
  try {
    await waitUntil(what, answers, { timeoutMs: 60_000, child });
  } catch (error) {
    throw new BenchError(`${(error as Error).message} (${url}):\n${tail(logFile)}`);
  }
  return status;
}

export function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * The server started as `npm start` starts it (tools/server-start.ts), in a process of its own on
 * the embedded drivers, for the tests that need a real process: its output kept, and every one
 * started tracked so that a test that failed half-way can kill what it left running.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { waitUntil } from '../../tools/processes.ts';
import { serverStartArgs } from '../../tools/server-start.ts';

export interface ServerProcess {
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output: () => string;
}

const started = new Set<ChildProcess>();

/** Spawns the server with `env` (and PATH) as its whole environment. */
export function spawnServer(env: Record<string, string>): ServerProcess {
  let output = '';
  const child = spawn(process.execPath, serverStartArgs(), {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.add(child);
  child.once('exit', () => started.delete(child));
  for (const stream of [child.stdout, child.stderr]) stream?.on('data', (chunk) => (output += chunk));
  return { child, output: () => output };
}

/** Waits for `origin` to answer its health check; fails with the server's output if it exits or doesn't. */
export async function untilHealthy(origin: string, server: ServerProcess, timeoutMs = 60_000) {
  await waitUntil('the server', async () => (await fetch(`${origin}/api/v1/health`)).ok, {
    timeoutMs,
    child: server.child,
  }).catch((error: Error) => {
    throw new Error(`${error.message}\n${server.output()}`);
  });
}

/** Kills every server still running (a test's afterAll). */
export function killStartedServers() {
  for (const child of started) child.kill('SIGKILL');
}

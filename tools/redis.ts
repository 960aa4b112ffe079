import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { freePort, hasExited, waitUntil } from './processes.ts';

const accepts = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });

/** A redis-server of its own on a free port, which its user may stop and start again. */
export async function startPrivateRedis(): Promise<{
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  async function start() {
    const started = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    child = started;
    const failed = new Promise<never>((_, reject) =>
      started.once('error', (error) =>
        reject(
          new Error(`This needs the redis-server program (apt-get install redis-server): ${error.message}`),
        ),
      ),
    );
    await Promise.race([
      waitUntil(`redis-server on port ${port}`, () => accepts(port), {
        timeoutMs: 5_000,
        child: started,
        intervalMs: 50,
      }),
      failed,
    ]);
  }
  async function stop() {
    const running = child;
    if (running === undefined || hasExited(running)) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGKILL');
    });
  }
  await start();
  return { url: `redis://127.0.0.1:${port}`, stop, start };
}

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { freePort } from '../../tools/processes.ts';
import { serverStartArgs } from '../../tools/server-start.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const webDist = path.join(repoRoot, 'web', 'dist');

export type TestServer = { url: string; stop: () => Promise<void>; output: () => string };

/**
 * The real server (embedded drivers unless `env` says otherwise) on a free port (or `env.PORT`)
 * and a temporary data directory, serving web/dist.
 */
export async function startServer(env: Record<string, string> = {}): Promise<TestServer> {
  if (!existsSync(path.join(webDist, 'index.html'))) {
    throw new Error('web/dist is missing: run `npm run build` first (npm test -w web does).');
  }
  const dataDir = await mkdtemp(path.join(tmpdir(), 'fileshare-web-test-'));
  const port = env.PORT ? Number(env.PORT) : await freePort();
  let output = '';
  // FILESHARE_SERVER_ROOT runs another checkout's server (say, the last commit's) against this client.
  const serverRoot = process.env.FILESHARE_SERVER_ROOT ?? repoRoot;
  const child: ChildProcess = spawn(process.execPath, serverStartArgs(path.join(serverRoot, 'server')), {
    cwd: serverRoot,
    env: {
      ...process.env,
      INIT_CWD: serverRoot,
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      WEB_DIR: webDist,
      LOG_LEVEL: 'warn',
      GC_INTERVAL_SECONDS: '0',
      // The tests make several accounts from one address, without invitations.
      REGISTRATION: 'open',
      REGISTRATION_LIMIT_PER_ADDRESS: '1000000',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}):\n${output}`);
    try {
      if ((await fetch(`${url}/api/v1/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the server did not start:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    output: () => output,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Debian's Chromium, headless, driven by playwright-core (never a downloaded browser). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

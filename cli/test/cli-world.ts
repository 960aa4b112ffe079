import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { signUp, uniqueName } from '../../server/test/client.ts';
import { type DriverSet, startServer, type TestServer } from '../../server/test/harness.ts';
import { tempDir } from '../../server/test/services.ts';

const bin = fileURLToPath(new URL('../bin/fileshare.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliWorld {
  server: TestServer;
  username: string;
  password: string;
  /** A signed-up user's bearer token, to look at the server's state beside the command. */
  token: string;
  /** $XDG_CONFIG_HOME of the command: where it saves its account and upload state. */
  configHome: string;
  /** A scratch directory for local files. */
  scratch: string;
  env: Record<string, string>;
  /** Starts `fileshare …` as a process of its own. */
  spawn(args: string[], env?: Record<string, string>): ChildProcess;
  /** Runs `fileshare …` to its end. */
  run(args: string[], env?: Record<string, string>): Promise<CliResult>;
  /** Runs it and fails unless it exits 0; gives its standard output. */
  ok(args: string[], env?: Record<string, string>): Promise<string>;
  /** A request to the API as the signed-up user. */
  api(path: string, init?: RequestInit): Promise<Response>;
}

export function finished(child: ChildProcess): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/**
 * A server on `set` with one signed-up user, and the real `fileshare` command run against it with a
 * config directory of its own, for the tests of a describe block.
 */
export function cliWorld(set: DriverSet): CliWorld {
  const world = {} as CliWorld;
  const cleanups: (() => Promise<void>)[] = [];
  beforeAll(async () => {
    const server = await startServer(set);
    cleanups.push(() => server.close());
    const config = await tempDir();
    const scratch = await tempDir();
    cleanups.push(config.remove, scratch.remove);
    const username = uniqueName('cli');
    const password = 'correct horse battery';
    const { token } = await signUp(server, username, password);
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: scratch.path,
      XDG_CONFIG_HOME: config.path,
      FILESHARE_PASSWORD: password,
    };
    Object.assign(world, {
      server,
      username,
      password,
      token,
      configHome: config.path,
      scratch: scratch.path,
      env,
    });
    world.spawn = (args, extra = {}) =>
      spawn(process.execPath, [bin, ...args], {
        env: { ...env, ...extra },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    world.run = (args, extra) => finished(world.spawn(args, extra));
    world.ok = async (args, extra) => {
      const result = await world.run(args, extra);
      if (result.code !== 0)
        throw new Error(
          `fileshare ${args.join(' ')} exited ${result.code}: ${result.stderr}${result.stdout}`,
        );
      return result.stdout;
    };
    world.api = (path, init = {}) =>
      fetch(`${server.origin}/api/v1${path}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) },
      });
  });
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  return world;
}

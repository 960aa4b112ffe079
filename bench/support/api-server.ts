/**
 * The API server under measurement: started as `npm start` runs it (the server package's start
 * script, its node flags included) on a free port with a user of its own, and called with that
 * user's token.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../tools/processes.ts';
import { serverStartArgs } from '../../tools/server-start.ts';
import { BenchError, tail, track, waitFor } from './processes.ts';

export const REPO = path.resolve(import.meta.dirname, '..', '..');
export const SERVER_DIR = path.join(REPO, 'server');

/** The server needs Node 24; use this process's node when it is one, else the repo's pinned one. */
export function serverNode(): string {
  const major = Number(process.versions.node.split('.')[0]);
  if (major >= 24) return process.execPath;
  const pinned = path.join(REPO, 'node_modules', '.bin', 'node');
  if (existsSync(pinned)) return pinned;
  throw new BenchError(`Node ${process.versions.node} is too old for the server and ${pinned} is missing`);
}

export interface ApiHandle {
  url: string;
  token: string;
}

export interface ApiNode {
  id?: string;
  size?: number;
  sha256?: string | null;
}

/**
 * Starts the API server on a free port with its data in `<dir>/data`, waits until it is healthy and
 * registers the user `bench` (or signs in as `user`, registered by an earlier start on the same data).
 * `env` is added to this process's environment (DATABASE_URL, REDIS_URL and S3_* are passed
 * through); `cpuProfDir` runs it with --cpu-prof.
 */
export async function startApi(
  dir: string,
  options: {
    env?: Record<string, string>;
    cpuProfDir?: string | undefined;
    user?: { username: string; password: string };
  } = {},
) {
  const port = await freePort();
  const logFile = path.join(dir, 'api.log');
  const log = openSync(logFile, 'w');
  // As `npm start` runs it: the server package's start script, its node flags included.
  const args = serverStartArgs();
  if (options.cpuProfDir !== undefined) {
    mkdirSync(options.cpuProfDir, { recursive: true });
    args.unshift('--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`);
  }
  const child = track(
    spawn(serverNode(), args, {
      cwd: SERVER_DIR,
      stdio: ['ignore', log, log],
      detached: true,
      env: {
        ...process.env,
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: path.join(dir, 'data'),
        LOG_LEVEL: 'warn',
        ...options.env,
      },
    }),
    true,
  );
  closeSync(log);
  const url = `http://127.0.0.1:${port}/api/v1`;
  const status = await waitFor(`${url}/health`, child, 'the API server', logFile);
  if (status !== 200) throw new BenchError(`GET /api/v1/health answered ${status}:\n${tail(logFile)}`);

  const { username, password } = options.user ?? {
    username: 'bench',
    password: randomBytes(18).toString('base64url'),
  };
  const [route, expected] = options.user === undefined ? ['/auth/register', 201] : ['/auth/login', 200];
  const { token } = await apiJson<{ token: string }>({ url, token: '' }, 'POST', route, expected, {
    username,
    password,
  });
  if (child.pid === undefined) throw new BenchError('the API server has no pid');
  return {
    child,
    pid: child.pid,
    origin: `http://127.0.0.1:${port}`,
    url,
    token,
    logFile,
    username,
    password,
  };
}

/** One JSON request as the user; fails unless the status is one of `expect`. */
export async function apiJson<T>(
  api: ApiHandle,
  method: string,
  route: string,
  expect: number | number[],
  body?: unknown,
) {
  const response = await fetch(`${api.url}${route}`, {
    method,
    headers: {
      ...(api.token === '' ? {} : { authorization: `Bearer ${api.token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  if (!(Array.isArray(expect) ? expect : [expect]).includes(response.status)) {
    throw new BenchError(`${method} ${route} answered ${response.status} (expected ${expect}): ${text}`);
  }
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

/** The part size the server gives a session of `size` bytes (a session opened and aborted, not timed). */
export async function partSizeFor(api: ApiHandle, size: number): Promise<number> {
  const probe = await apiJson<{ id: string; partSize: number }>(api, 'POST', '/uploads', 201, {
    parentId: 'root',
    name: 'bench-probe.bin',
    size,
    onConflict: 'replace',
  });
  await apiJson(api, 'DELETE', `/uploads/${probe.id}`, [200, 204]);
  return probe.partSize;
}

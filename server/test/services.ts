import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import S3rver from 's3rver';
import { freePort } from '../../deploy/cluster.ts';
import type { S3Config } from '../src/config.ts';
import { addMultipartOperations } from './s3rver-extras.ts';

/**
 * The real services the tests talk to. PostgreSQL and Redis are the machine's (each run gets its
 * own database and key prefix, so runs never collide); S3 is an s3rver this process starts.
 */
export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function runId(): string {
  return randomBytes(6).toString('hex');
}

export async function tempDir(
  prefix = 'fileshare-test-',
): Promise<{ path: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return { path: dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** A fresh PostgreSQL database for one test file, dropped afterwards. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `fileshare_test_${runId()}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(
      `These tests need PostgreSQL at ${POSTGRES_ADMIN_URL} (set TEST_POSTGRES_URL), and it can't be reached: ${(error as Error).message}`,
    );
  }
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

/** Fails with a clear message when Redis isn't there, rather than letting tests pass on the fallback. */
export async function assertRedisReachable(url = REDIS_URL) {
  const { hostname, port } = new URL(url);
  await new Promise<void>((resolve, reject) => {
    const socket = net.connect(Number(port || 6379), hostname, () => {
      socket.end();
      resolve();
    });
    socket.on('error', (error) =>
      reject(
        new Error(
          `These tests need Redis at ${url} (set TEST_REDIS_URL), and it can't be reached: ${error.message}`,
        ),
      ),
    );
  });
}

export interface TestS3 {
  config: S3Config;
  directory: string;
  close(): Promise<void>;
}

/** An s3rver on a free port with one bucket, as the S3 protocol peer. */
export async function startS3(): Promise<TestS3> {
  const dir = await tempDir('fileshare-s3-');
  const bucket = 'fileshare-test';
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir.path,
    configureBuckets: [{ name: bucket, configs: [] }],
  });
  addMultipartOperations(server, dir.path);
  const address = (await server.run()) as net.AddressInfo;
  return {
    config: {
      endpoint: `http://127.0.0.1:${address.port}`,
      bucket,
      region: 'us-east-1',
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      forcePathStyle: true,
    },
    directory: dir.path,
    async close() {
      await server.close();
      await dir.remove();
    },
  };
}

export { freePort };

/** A redis-server of the test's own, which it may stop and start again. */
export async function startPrivateRedis(): Promise<{
  url: string;
  stop(): Promise<void>;
  start(): Promise<void>;
}> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  async function start() {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      {
        stdio: 'ignore',
      },
    );
    const failed = new Promise<never>((_, reject) =>
      child?.once('error', (error) =>
        reject(new Error(`These tests need the redis-server program: ${error.message}`)),
      ),
    );
    const url = `redis://127.0.0.1:${port}`;
    for (let attempt = 0; attempt < 100; attempt++) {
      const up = await Promise.race([
        assertRedisReachable(url).then(
          () => true,
          () => false,
        ),
        failed,
      ]);
      if (up) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`redis-server did not start on port ${port}`);
  }
  async function stop() {
    const running = child;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGKILL');
    });
  }
  await start();
  return { url: `redis://127.0.0.1:${port}`, stop, start };
}

export interface TcpProxy {
  port: number;
  /** Drops every connection and refuses new ones, as if the server behind it went away. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/** A TCP proxy on a free port in front of `target`, which a test can cut to simulate an outage. */
export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<net.Socket>();
  let open = true;
  const server = net.createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, targetHost);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    cut() {
      open = false;
      for (const socket of sockets) socket.destroy();
    },
    restore() {
      open = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { createBucket } from '../../tools/rgw.ts';
import type { Config, S3Config } from '../src/config.ts';

/**
 * The real services the tests talk to. PostgreSQL and Redis are the machine's (each run gets its
 * own database and key prefix, so runs never collide); S3 is a RADOS Gateway started once per run
 * (test/global-setup.ts), with a bucket per test file.
 */
export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export function runId(): string {
  return randomBytes(6).toString('hex');
}

/** The environment a command-line tool needs to reach the services a test server runs on. */
export function commandEnv(config: Config, dataDir: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    DATA_DIR: dataDir,
    DATABASE_URL: config.databaseUrl ?? '',
    S3_ENDPOINT: config.s3?.endpoint ?? '',
    S3_BUCKET: config.s3?.bucket ?? '',
    S3_REGION: config.s3?.region ?? '',
    S3_ACCESS_KEY_ID: config.s3?.accessKeyId ?? '',
    S3_SECRET_ACCESS_KEY: config.s3?.secretAccessKey ?? '',
    S3_FORCE_PATH_STYLE: 'true',
  };
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
  close(): Promise<void>;
}

/**
 * A bucket of its own on the run's RADOS Gateway (test/global-setup.ts starts it for the services
 * driver set), emptied and removed by `close`. `corsOrigin` lets pages from there PUT parts to it.
 */
export async function startS3(options: { corsOrigin?: string } = {}): Promise<TestS3> {
  const s3 = inject('s3');
  if (s3 === undefined)
    throw new Error('S3 is part of the services driver set: run with TEST_DRIVERS=embedded,services');
  const bucket = `fileshare-test-${runId()}`;
  const created = await createBucket(s3, bucket, options);
  return {
    config: { ...s3, bucket, forcePathStyle: true },
    close: created.remove,
  };
}

export interface TcpProxy {
  port: number;
  /** Drops every connection and refuses new ones, as if the server behind it went away. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/**
 * The connection to `target` for a proxy's `client`, both kept in `sockets` while open: when one
 * side fails, both go.
 */
export function connectPair(
  client: net.Socket,
  targetHost: string,
  targetPort: number,
  sockets: Set<net.Socket>,
) {
  const upstream = net.connect(targetPort, targetHost);
  for (const socket of [client, upstream]) {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {
      client.destroy();
      upstream.destroy();
    });
  }
  return upstream;
}

/** A database URL that reaches the database through a proxy listening on `port` of this machine. */
export function throughProxy(port: number) {
  return (url: string) => {
    const routed = new URL(url);
    routed.hostname = '127.0.0.1';
    routed.port = String(port);
    return routed.toString();
  };
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
    const upstream = connectPair(client, targetHost, targetPort, sockets);
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

import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import type { Deps } from '../src/deps.ts';
import { createFsBlobStore } from '../src/platform/blobs/fs.blob-store.ts';
import { openPglite, openPostgres } from '../src/platform/database/database.ts';
import { openDeps } from '../src/platform/open.ts';
import type { Clock } from '../src/shared/clock.ts';
import {
  assertRedisReachable,
  createPostgresDatabase,
  REDIS_URL,
  runId,
  startS3,
  tempDir,
} from './services.ts';

/**
 * The driver sets the HTTP suite runs against: `embedded` (PGlite, in-process cache, a directory)
 * and `services` (PostgreSQL, Redis, S3). TEST_DRIVERS picks them; npm test runs embedded.
 */
export type DriverSet = 'embedded' | 'services';

export function driverSets(): DriverSet[] {
  const names = (process.env.TEST_DRIVERS ?? 'embedded').split(',').map((name) => name.trim());
  for (const name of names) {
    if (name !== 'embedded' && name !== 'services')
      throw new Error(`TEST_DRIVERS: unknown driver set "${name}"`);
  }
  return names as DriverSet[];
}

/** A clock a test can move forward. */
export class TestClock implements Clock {
  private offsetMs = 0;
  now() {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(ms: number) {
    this.offsetMs += ms;
  }
}

export interface TestServer {
  app: FastifyInstance;
  deps: Deps;
  clock: TestClock;
  /** http://127.0.0.1:port */
  origin: string;
  close(): Promise<void>;
}

export interface TestServerOptions {
  env?: Record<string, string>;
  /** Use this Redis instead of the machine's (services set only). */
  redisUrl?: string;
  /** Lets a test put something (a proxy it can cut) between the app and its PostgreSQL database. */
  routeDatabase?: (url: string) => string;
  /** Keep blobs in this directory (embedded set only). */
  blobDir?: string;
  /** Where the server's log lines go (JSON, one per line). */
  logTo?: NodeJS.WritableStream;
  /** Another instance on the same PostgreSQL, Redis and S3 as this one (services set only). */
  peerOf?: TestServer;
}

function pick<T extends object, K extends keyof T>(source: T, ...keys: K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((key) => [key, source[key]])) as Pick<T, K>;
}

/** Starts the real app on real drivers with temporary data, listening on a free port. */
export async function startServer(set: DriverSet, options: TestServerOptions = {}): Promise<TestServer> {
  const config = loadConfig({
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    // Tests make many accounts from one address; those about registration set their own.
    REGISTRATION: 'open',
    REGISTRATION_LIMIT_PER_ADDRESS: '1000000',
    ...options.env,
  });
  const logger =
    options.logTo === undefined ? pino({ level: config.logLevel }) : pino({ level: 'info' }, options.logTo);
  const cleanups: (() => Promise<void>)[] = [];
  const clock = new TestClock();
  let deps: Deps;
  if (set === 'embedded') {
    const data = await tempDir();
    cleanups.push(data.remove);
    deps = await openDeps({ ...config, dataDir: data.path }, logger, {
      database: await openPglite(undefined),
      blobs: options.blobDir === undefined ? undefined : await createFsBlobStore(options.blobDir),
      clock,
    });
  } else if (options.peerOf !== undefined) {
    const shared = options.peerOf.deps.config;
    deps = await openDeps(
      { ...config, ...pick(shared, 'databaseUrl', 'redisUrl', 'redisKeyPrefix', 's3') },
      logger,
      {
        clock,
      },
    );
  } else {
    const redisUrl = options.redisUrl ?? REDIS_URL;
    await assertRedisReachable(redisUrl);
    const postgres = await createPostgresDatabase();
    cleanups.push(postgres.drop);
    const s3 = await startS3();
    cleanups.push(s3.close);
    const routedUrl = options.routeDatabase?.(postgres.url) ?? postgres.url;
    deps = await openDeps(
      {
        ...config,
        databaseUrl: postgres.url,
        redisUrl,
        redisKeyPrefix: `fileshare-test-${runId()}:`,
        s3: s3.config,
      },
      logger,
      { database: await openPostgres(routedUrl), clock },
    );
  }
  const app = await buildApp(deps);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return {
    app,
    deps,
    clock,
    origin: `http://127.0.0.1:${port}`,
    async close() {
      await app.close();
      for (const cleanup of cleanups.reverse()) await cleanup();
    },
  };
}

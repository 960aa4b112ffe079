import path from 'node:path';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Deps } from '../deps.ts';
import { systemClock } from '../shared/clock.ts';
import { createFsBlobStore } from './blobs/fs.blob-store.ts';
import { createNoCache } from './cache/cache.ts';
import { createMemoryCache } from './cache/memory.cache.ts';
import { createRateLimiters } from './cache/rate-limit.ts';
import { openDatabase } from './database/database.ts';
import { createMetrics } from './metrics/metrics.ts';

const REDIS_START_WAIT_MS = 2_000;

function readyOrTimeout(redis: Redis, ms: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Redis's client, loaded only when the configuration names Redis (ioredis is some 20 MiB of memory
 * a server on the embedded defaults has no use for), and the cache on it.
 */
async function openRedis(url: string) {
  const { createRedisCache, createRedisClient } = await import('./cache/redis.cache.ts');
  const client = createRedisClient(url);
  // A Redis that is down at start-up doesn't stop the server (the cache stands aside until it is back).
  await readyOrTimeout(client, REDIS_START_WAIT_MS);
  return {
    client,
    createCache: (options: { logger: Logger; keyPrefix: string }) =>
      createRedisCache({ redis: client, ...options }),
  };
}

/** What a caller (a test, the OpenAPI generator) opens itself instead of what the configuration names. */
export type DepsOverrides = Partial<Pick<Deps, 'database' | 'blobs' | 'clock'>>;

/**
 * Opens the backing services the configuration names: PostgreSQL, Redis and S3 when given,
 * otherwise PGlite, an in-process cache and a directory, all under DATA_DIR. Migrates the database.
 */
export async function openDeps(config: Config, logger: Logger, overrides: DepsOverrides = {}): Promise<Deps> {
  const database = overrides.database ?? (await openDatabase(config));
  if (database.pgliteStart?.from === 'initdb')
    logger.warn(
      { err: database.pgliteStart.error },
      'no PGlite template to start the new database from (npm run pglite-template -w server makes it); ran initdb',
    );
  await database.migrate();
  const redis = config.redisUrl === undefined ? undefined : await openRedis(config.redisUrl);
  const cache = !config.cacheEnabled
    ? createNoCache()
    : redis === undefined
      ? createMemoryCache()
      : redis.createCache({ logger, keyPrefix: config.redisKeyPrefix });
  const blobs =
    overrides.blobs ??
    (config.s3 === undefined
      ? await createFsBlobStore(path.join(config.dataDir, 'blobs'))
      : // Loaded only when used, as Redis's client is: the AWS SDK alone is tens of MiB.
        (await import('./blobs/s3.blob-store.ts')).createS3BlobStore(config.s3));
  const rateLimiters = createRateLimiters(config, redis?.client);
  logger.info(
    { database: database.driver, cache: cache.driver, blobs: blobs.driver, dataDir: config.dataDir },
    'backing services open',
  );
  const metrics = await createMetrics(config.metrics.enabled);
  return {
    config,
    database,
    cache,
    blobs,
    rateLimiters,
    clock: overrides.clock ?? systemClock,
    logger,
    metrics,
  };
}

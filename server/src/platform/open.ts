import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import type { Deps } from '../deps.ts';
import { systemClock } from '../shared/clock.ts';
import { createFsBlobStore } from './blobs/fs.blob-store.ts';
import { createS3BlobStore } from './blobs/s3.blob-store.ts';
import { createNoCache } from './cache/cache.ts';
import { createMemoryCache } from './cache/memory.cache.ts';
import { createRateLimiters } from './cache/rate-limit.ts';
import { createRedisCache, createRedisClient } from './cache/redis.cache.ts';
import { openDatabase } from './database/database.ts';

/**
 * Opens the backing services the configuration names: PostgreSQL, Redis and S3 when given,
 * otherwise PGlite, an in-process cache and a directory, all under DATA_DIR. Migrates the database.
 */
export async function openDeps(config: Config, logger: Logger): Promise<Deps> {
  const database = await openDatabase(config);
  await database.migrate();
  const redis = config.redisUrl === undefined ? undefined : createRedisClient(config.redisUrl);
  const cache = !config.cacheEnabled
    ? createNoCache()
    : redis === undefined
      ? createMemoryCache()
      : createRedisCache({ redis, logger, keyPrefix: config.redisKeyPrefix });
  const blobs =
    config.s3 === undefined
      ? await createFsBlobStore(path.join(config.dataDir, 'blobs'))
      : createS3BlobStore(config.s3);
  const rateLimiters = createRateLimiters(
    { loginPerAccount: config.loginLimits.perAccount, loginPerAddress: config.loginLimits.perAddress },
    redis,
    config.redisKeyPrefix,
  );
  logger.info(
    { database: database.driver, cache: cache.driver, blobs: blobs.driver, dataDir: config.dataDir },
    'backing services open',
  );
  return { config, database, cache, blobs, rateLimiters, clock: systemClock, logger };
}

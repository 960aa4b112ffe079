import pino from 'pino';
import { describe } from 'vitest';
import { driverSets } from '../../../test/harness.ts';
import { assertRedisReachable, REDIS_URL, runId } from '../../../test/services.ts';
import { cacheSuite } from './cache.test-suite.ts';
import { createRedisCache, createRedisClient } from './redis.cache.ts';

// Part of the `services` driver set (TEST_DRIVERS=embedded,services), which CI runs.
describe.runIf(driverSets().includes('services'))('the Redis driver', () => {
  cacheSuite('Redis', async () => {
    await assertRedisReachable();
    const redis = createRedisClient(REDIS_URL);
    await new Promise<void>((resolve) => redis.once('ready', () => resolve()));
    const cache = createRedisCache({
      redis,
      logger: pino({ level: 'silent' }),
      keyPrefix: `fileshare-test-${runId()}:`,
    });
    return { cache, close: () => cache.close() };
  });
});

import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import {
  type Cache,
  decodeCacheValue,
  encodeCacheValue,
  LOADING_MARK,
  LOADING_TTL_SECONDS,
} from './cache.ts';

/** A client that fails fast while Redis is away (no queueing), and keeps reconnecting in the background. */
/** Stores the value (or with none, drops the mark) only if the key still holds this reader's mark. */
const REPLACE_MARK = `
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
if ARGV[2] == '' then return redis.call('del', KEYS[1]) end
return redis.call('set', KEYS[1], ARGV[2], 'EX', ARGV[3])`;

export function createRedisClient(url: string): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 1_000,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
}

interface RedisCacheOptions {
  redis: Redis;
  logger: Logger;
  /** Namespace for every key, so several deployments (or test runs) can share one Redis. */
  keyPrefix?: string;
}

/**
 * The cache on Redis. When Redis is unreachable, reads miss and writes are dropped; the log says
 * so once per outage. Invalidations dropped during an outage could leave stale entries behind, so
 * when the connection comes back every key under the prefix is removed before the cache is used.
 */
export function createRedisCache(options: RedisCacheOptions): Cache {
  const prefix = options.keyPrefix ?? 'fileshare:';
  const log = options.logger;
  const redis = options.redis;
  let available = redis.status === 'ready';
  let missedWrites = false;
  let recovering: Promise<void> | undefined;

  redis.on('error', () => markDown());
  redis.on('close', () => markDown());
  redis.on('ready', () => {
    recovering = (missedWrites ? purge() : Promise.resolve()).then(
      () => {
        missedWrites = false;
        if (!available) log.info({ cache: 'redis' }, 'cache: Redis is reachable');
        available = true;
        recovering = undefined;
      },
      (error) => log.warn({ err: error }, 'cache: could not clear stale entries after an outage'),
    );
  });

  let closing = false;

  function markDown() {
    if (closing) return;
    if (available) log.warn({ cache: 'redis' }, 'cache: Redis is unreachable; serving from the database');
    available = false;
    // Whatever this instance invalidated while Redis was gone is still there when it returns.
    missedWrites = true;
  }

  async function purge() {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  }

  async function attempt<T>(fallback: T, command: () => Promise<T>): Promise<T> {
    if (!available) return fallback;
    try {
      return await command();
    } catch {
      markDown();
      return fallback;
    }
  }

  const get = <T>(key: string) =>
    attempt(undefined, async () => {
      const text = await redis.get(prefix + key);
      return text === null || text.startsWith(LOADING_MARK) ? undefined : decodeCacheValue<T>(text);
    });
  return {
    driver: 'redis',
    get,
    async load<T>(key: string, ttlSeconds: number, loader: () => Promise<T | undefined>) {
      const cached = await get<T>(key);
      if (cached !== undefined) return cached;
      const mark = `${LOADING_MARK}${randomUUID()}`;
      // Another reader's mark: read without caching rather than race it.
      const marked = await attempt(null, () =>
        redis.set(prefix + key, mark, 'EX', LOADING_TTL_SECONDS, 'NX'),
      );
      const value = await loader();
      if (marked === 'OK') {
        await attempt(undefined, () =>
          redis.eval(
            REPLACE_MARK,
            1,
            prefix + key,
            mark,
            value === undefined ? '' : encodeCacheValue(value),
            ttlSeconds,
          ),
        );
      }
      return value;
    },
    async set(key, value, ttlSeconds) {
      await attempt(undefined, async () => {
        await redis.set(prefix + key, encodeCacheValue(value), 'EX', ttlSeconds);
      });
    },
    async delete(...keys) {
      if (keys.length === 0) return;
      if (!available) missedWrites = true;
      await attempt(undefined, async () => {
        await redis.unlink(...keys.map((key) => prefix + key));
      });
    },
    async check() {
      await recovering;
      if (!available) throw new Error('Redis is unreachable');
      await redis.ping();
    },
    async close() {
      closing = true;
      redis.disconnect();
    },
  };
}

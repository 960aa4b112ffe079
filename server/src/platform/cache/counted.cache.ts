import type { Metrics } from '../metrics/metrics.ts';
import type { Cache } from './cache.ts';

/** The same cache, counting its reads as hits and misses. A read that had to ask the loader is a miss. */
export function countedCache(cache: Cache, metrics: Pick<Metrics, 'cacheLookups'>): Cache {
  const count = (hit: boolean) => metrics.cacheLookups.inc({ result: hit ? 'hit' : 'miss' });
  return {
    driver: cache.driver,
    async get<T>(key: string) {
      const value = await cache.get<T>(key);
      count(value !== undefined);
      return value;
    },
    async load<T>(key: string, ttlSeconds: number, loader: () => Promise<T | undefined>) {
      let missed = false;
      const value = await cache.load(key, ttlSeconds, () => {
        missed = true;
        return loader();
      });
      count(!missed);
      return value;
    },
    set: (key, value, ttlSeconds) => cache.set(key, value, ttlSeconds),
    delete: (...keys) => cache.delete(...keys),
    check: () => cache.check(),
    close: () => cache.close(),
  };
}

import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import {
  type Cache,
  decodeCacheValue,
  encodeCacheValue,
  LOADING_MARK,
  LOADING_TTL_SECONDS,
} from './cache.ts';

/**
 * The embedded cache: an LRU in this process. Values are stored encoded, exactly as Redis holds them.
 * Bounded in entries and in characters, since a cached page of a large folder is hundreds of KB.
 */
export function createMemoryCache(options: { maxEntries?: number; maxCharacters?: number } = {}): Cache {
  const entries = new LRUCache<string, string>({
    max: options.maxEntries ?? 10_000,
    maxSize: options.maxCharacters ?? 64 * 1024 * 1024,
    sizeCalculation: (text, key) => text.length + key.length,
    ttlAutopurge: false,
  });
  const read = <T>(key: string) => {
    const text = entries.get(key);
    return text === undefined || text.startsWith(LOADING_MARK) ? undefined : decodeCacheValue<T>(text);
  };
  return {
    driver: 'memory',
    get: async <T>(key: string) => read<T>(key),
    async load<T>(key: string, ttlSeconds: number, loader: () => Promise<T | undefined>) {
      const cached = read<T>(key);
      if (cached !== undefined) return cached;
      // Another reader's mark: read without caching rather than race it.
      const mark = entries.has(key) ? undefined : `${LOADING_MARK}${randomUUID()}`;
      if (mark !== undefined) entries.set(key, mark, { ttl: LOADING_TTL_SECONDS * 1000 });
      const value = await loader();
      if (mark !== undefined && entries.get(key) === mark) {
        if (value === undefined) entries.delete(key);
        else entries.set(key, encodeCacheValue(value), { ttl: ttlSeconds * 1000 });
      }
      return value;
    },
    async set(key, value, ttlSeconds) {
      entries.set(key, encodeCacheValue(value), { ttl: ttlSeconds * 1000 });
    },
    async delete(...keys) {
      for (const key of keys) entries.delete(key);
    },
    async check() {},
    async close() {
      entries.clear();
    },
  };
}

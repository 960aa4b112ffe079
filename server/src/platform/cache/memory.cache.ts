import { LRUCache } from 'lru-cache';
import { type Cache, decodeCacheValue, encodeCacheValue } from './cache.ts';

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
  return {
    driver: 'memory',
    async get<T>(key: string) {
      const text = entries.get(key);
      return text === undefined ? undefined : decodeCacheValue<T>(text);
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

import { describe, expect, it } from 'vitest';
import { cacheSuite } from './cache.test-suite.ts';
import { createMemoryCache } from './memory.cache.ts';

cacheSuite('in-process', async () => {
  const cache = createMemoryCache();
  return { cache, close: () => cache.close() };
});

describe('cache: in-process, its bound', () => {
  it('evicts the least recently used entries to stay within its characters, and skips what can never fit', async () => {
    const cache = createMemoryCache({ maxCharacters: 1_000 });
    const page = 'x'.repeat(300);
    for (const key of ['a', 'b', 'c']) await cache.set(key, page, 60);
    await cache.get('a');
    await cache.set('d', page, 60);
    expect(await cache.get('b')).toBeUndefined();
    for (const key of ['a', 'c', 'd']) expect(await cache.get(key)).toBe(page);
    await cache.set('huge', 'y'.repeat(2_000), 60);
    expect(await cache.get('huge')).toBeUndefined();
    expect(await cache.get('a')).toBe(page);
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cache } from './cache.ts';

/** What every cache driver must do; each driver's test file runs it against a real cache. */
export function cacheSuite(name: string, open: () => Promise<{ cache: Cache; close(): Promise<void> }>) {
  describe(`cache: ${name}`, () => {
    let cache: Cache;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ cache, close } = await open());
    });
    afterAll(() => close());

    it('gives back what was set, with dates intact, and forgets what was deleted', async () => {
      const key = `test:${randomUUID()}`;
      const value = {
        name: '2024-01-01T00:00:00.000Z',
        at: new Date('2025-02-03T04:05:06.789Z'),
        n: 42,
        none: null,
      };
      expect(await cache.get(key)).toBeUndefined();
      await cache.set(key, value, 60);
      const read = await cache.get<typeof value>(key);
      expect(read).toEqual(value);
      expect(read?.at).toBeInstanceOf(Date);
      expect(typeof read?.name).toBe('string');
      await cache.delete(key, `test:${randomUUID()}`);
      expect(await cache.get(key)).toBeUndefined();
    });

    it('expires entries after their time to live', async () => {
      const key = `test:${randomUUID()}`;
      await cache.set(key, 'short-lived', 1);
      expect(await cache.get(key)).toBe('short-lived');
      await new Promise((resolve) => setTimeout(resolve, 1_200));
      expect(await cache.get(key)).toBeUndefined();
    });

    it('loads a missing value once and serves it from the cache after', async () => {
      const key = `test:${randomUUID()}`;
      let reads = 0;
      const loader = async () => {
        reads += 1;
        return { reads };
      };
      expect(await cache.load(key, 60, loader)).toEqual({ reads: 1 });
      expect(await cache.load(key, 60, loader)).toEqual({ reads: 1 });
      expect(await cache.get(key)).toEqual({ reads: 1 });
      expect(await cache.load(`test:${randomUUID()}`, 60, async () => undefined)).toBeUndefined();
    });

    it('does not store a value read before a delete of its key', async () => {
      const key = `test:${randomUUID()}`;
      let release: () => void = () => {};
      const slowRead = cache.load(key, 60, async () => {
        // A write lands and invalidates the key while this read of the old value is under way.
        await new Promise<void>((resolve) => {
          release = resolve;
        });
        return 'stale';
      });
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await cache.get(key)).toBeUndefined();
      await cache.delete(key);
      release();
      expect(await slowRead).toBe('stale');
      expect(await cache.get(key)).toBeUndefined();
      expect(await cache.load(key, 60, async () => 'fresh')).toBe('fresh');
      expect(await cache.get(key)).toBe('fresh');
    });

    it('answers the readiness check', async () => {
      await expect(cache.check()).resolves.toBeUndefined();
    });
  });
}

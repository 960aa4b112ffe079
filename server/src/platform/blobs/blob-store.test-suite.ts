import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobNotFoundError, type BlobStore } from './blob-store.ts';

/** What every blob store driver must do; each driver's test file runs it against a real store. */
export function blobStoreSuite(
  name: string,
  open: () => Promise<{ store: BlobStore; close(): Promise<void> }>,
) {
  describe(`blob store: ${name}`, () => {
    let store: BlobStore;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ store, close } = await open());
    });
    afterAll(() => close());

    const key = () => `blobs/${randomUUID()}`;

    it('stores a stream and gives back the same bytes, whole and in ranges', async () => {
      const data = randomBytes(20 * 1024 * 1024 + 3);
      const k = key();
      await store.put(k, Readable.from([data.subarray(0, 1000), data.subarray(1000)]));
      expect((await buffer(await store.get(k))).equals(data)).toBe(true);
      const part = await buffer(await store.get(k, { start: 5, end: 1_000_004 }));
      expect(part.equals(data.subarray(5, 1_000_005))).toBe(true);
      expect((await store.stat(k))?.size).toBe(data.length);
    });

    it("leaves a caller's buffers intact unless it was given them to free", async () => {
      const chunks = [randomBytes(64 * 1024), randomBytes(64 * 1024)];
      const copies = chunks.map((chunk) => Buffer.from(chunk));
      const kept = key();
      await store.put(kept, Readable.from(chunks));
      expect(chunks).toEqual(copies);
      const given = key();
      await store.put(given, Readable.from(chunks), { releaseChunks: true });
      // Freed or not (a driver may keep them for the collector), the bytes are stored whole.
      expect((await buffer(await store.get(given))).equals(Buffer.concat(copies))).toBe(true);
    });

    it('stores an empty blob', async () => {
      const k = key();
      await store.put(k, Readable.from([]));
      expect((await store.stat(k))?.size).toBe(0);
      const answer = await store.put(key(), Readable.from([]), { sha256: true });
      expect(answer.sha256).toBe(createHash('sha256').digest('hex'));
    });

    it('answers the SHA-256 of what it stored when asked', async () => {
      const data = randomBytes(9 * 1024 * 1024 + 17);
      const chunks = [];
      for (let at = 0; at < data.length; at += 64 * 1024)
        chunks.push(Buffer.from(data.subarray(at, at + 64 * 1024)));
      const k = key();
      const answer = await store.put(k, Readable.from(chunks), { sha256: true, releaseChunks: true });
      expect(answer.sha256).toBe(createHash('sha256').update(data).digest('hex'));
      expect((await buffer(await store.get(k))).equals(data)).toBe(true);
      expect((await store.put(key(), Readable.from([data]))).sha256).toBeUndefined();
    });

    it('keeps nothing when the body fails part-way', async () => {
      const k = key();
      async function* failing() {
        yield randomBytes(9 * 1024 * 1024);
        throw new Error('connection lost');
      }
      await expect(store.put(k, Readable.from(failing()))).rejects.toThrow();
      expect(await store.stat(k)).toBeUndefined();
      for await (const info of store.list(k)) throw new Error(`left behind: ${info.key}`);
    });

    it('reports a missing blob as such', async () => {
      const k = key();
      expect(await store.stat(k)).toBeUndefined();
      await expect(store.get(k)).rejects.toBeInstanceOf(BlobNotFoundError);
      await store.delete(k);
    });

    it('deletes, and lists by prefix', async () => {
      const prefix = `blobs/${randomUUID()}-`;
      const keys = [`${prefix}a`, `${prefix}b`, `${prefix}c`];
      for (const k of keys) await store.put(k, Readable.from([Buffer.from(k)]));
      const listed = [];
      for await (const info of store.list(prefix)) listed.push(info.key);
      expect(listed.sort()).toEqual(keys);
      await store.delete(keys[0] ?? '');
      expect(await store.stat(keys[0] ?? '')).toBeUndefined();
      const after = [];
      for await (const info of store.list(prefix)) after.push(info.key);
      expect(after.sort()).toEqual(keys.slice(1));
    });

    it('answers the readiness check', async () => {
      await expect(store.check()).resolves.toBeUndefined();
    });
  });
}

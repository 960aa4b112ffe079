import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobNotFoundError, type BlobStore, PartRejectedError } from './blob-store.ts';

/** The smallest a part but the last may be, on S3 as here. */
const PART = 5 * 1024 * 1024;
const md5Of = (data: Uint8Array) => createHash('md5').update(data).digest('base64');

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

    /**
     * Sends part `number` as a client of this store would: to its presigned URL, or through the
     * API (putPart). True when the store took it, false when it refused it.
     */
    async function sendPart(
      k: string,
      uploadId: string,
      number: number,
      data: Buffer,
      md5 = md5Of(data),
    ): Promise<boolean> {
      const url = await store.multipart.partUrl(k, uploadId, { number, size: data.length }, 60);
      if (url === undefined) {
        const expect = { size: data.length, offset: (number - 1) * PART, md5 };
        return store.multipart.putPart(k, uploadId, number, Readable.from([data]), expect).then(
          () => true,
          (error: unknown) => {
            if (error instanceof PartRejectedError) return false;
            throw error;
          },
        );
      }
      const response = await fetch(url, {
        method: 'PUT',
        body: new Uint8Array(data),
        headers: { 'content-md5': md5 },
      });
      const answer = await response.text();
      if (response.status >= 500) throw new Error(`part ${number}: ${response.status} ${answer}`);
      return response.ok;
    }

    const uploadsOf = async (k: string) => {
      const found = [];
      for await (const upload of store.multipart.list()) if (upload.key === k) found.push(upload.uploadId);
      return found;
    };

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

    describe('multipart uploads', () => {
      const data = randomBytes(2 * PART + 1234);
      const parts = [data.subarray(0, PART), data.subarray(PART, 2 * PART), data.subarray(2 * PART)];

      it('joins parts sent in any order, and sent again, into one blob', async () => {
        const k = key();
        const uploadId = await store.multipart.create(k);
        expect(await store.multipart.listParts(k, uploadId)).toEqual([]);
        expect(await sendPart(k, uploadId, 3, parts[2] as Buffer)).toBe(true);
        expect(await sendPart(k, uploadId, 1, randomBytes(PART))).toBe(true);
        const early = await store.multipart.listParts(k, uploadId);
        expect(early.map((part) => [part.number, part.size])).toEqual([
          [1, PART],
          [3, 1234],
        ]);
        // The second send of part 1 replaces the first.
        expect(await sendPart(k, uploadId, 1, parts[0] as Buffer)).toBe(true);
        expect(await sendPart(k, uploadId, 2, parts[1] as Buffer)).toBe(true);
        const arrived = await store.multipart.listParts(k, uploadId);
        expect(arrived.map((part) => [part.number, part.size])).toEqual([
          [1, PART],
          [2, PART],
          [3, 1234],
        ]);
        expect(await store.stat(k)).toBeUndefined();

        const { sha256 } = await store.multipart.complete(k, uploadId, arrived);
        // Given only by a store that saw the bytes; when given, it is right.
        if (sha256 !== undefined) expect(sha256).toBe(createHash('sha256').update(data).digest('hex'));
        expect((await store.stat(k))?.size).toBe(data.length);
        expect((await buffer(await store.get(k))).equals(data)).toBe(true);
        await store.multipart.abort(k, uploadId);
        expect(await uploadsOf(k)).toEqual([]);
        expect(
          (await buffer(await store.get(k, { start: PART - 2, end: PART + 1 }))).equals(
            data.subarray(PART - 2, PART + 2),
          ),
        ).toBe(true);
      });

      it('shows nothing of an upload until it is completed, and drops it on abort', async () => {
        const k = key();
        const uploadId = await store.multipart.create(k);
        expect(await sendPart(k, uploadId, 1, parts[0] as Buffer)).toBe(true);
        expect(await store.stat(k)).toBeUndefined();
        for await (const info of store.list(k)) throw new Error(`visible before completion: ${info.key}`);
        expect(await uploadsOf(k)).toEqual([uploadId]);

        await store.multipart.abort(k, uploadId);
        expect(await uploadsOf(k)).toEqual([]);
        await expect(store.multipart.listParts(k, uploadId)).rejects.toBeInstanceOf(BlobNotFoundError);
        await expect(
          store.multipart.complete(k, uploadId, [{ number: 1, size: PART, etag: 'gone' }]),
        ).rejects.toBeInstanceOf(BlobNotFoundError);
        expect(await store.stat(k)).toBeUndefined();
        // Aborting what is gone already is not an error.
        await store.multipart.abort(k, uploadId);
      });

      it('refuses a part that does not match its Content-MD5, and keeps nothing of it', async () => {
        const k = key();
        const uploadId = await store.multipart.create(k);
        const part = parts[0] as Buffer;
        expect(await sendPart(k, uploadId, 1, part, md5Of(parts[1] as Buffer))).toBe(false);
        expect(await store.multipart.listParts(k, uploadId)).toEqual([]);
        expect(await sendPart(k, uploadId, 1, part)).toBe(true);
        expect((await store.multipart.listParts(k, uploadId)).map((p) => p.number)).toEqual([1]);
        await store.multipart.abort(k, uploadId);
      });
    });

    it('answers the readiness check', async () => {
      await expect(store.check()).resolves.toBeUndefined();
    });
  });
}

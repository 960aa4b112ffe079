import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/services.ts';
import type { BlobStore } from './blob-store.ts';
import { createFsBlobStore } from './fs.blob-store.ts';
import { createPartDigests } from './fs.part-digests.ts';

const PART = 1024 * 1024;
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe('local multipart uploads: the SHA-256 taken as parts arrive', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let store: BlobStore;
  beforeAll(async () => {
    dir = await tempDir();
    store = await createFsBlobStore(dir.path);
  });
  afterAll(() => dir.remove());

  const partOf = (data: Buffer, number: number) => data.subarray((number - 1) * PART, number * PART);

  async function upload(data: Buffer, sends: { number: number; bytes?: Buffer }[]) {
    const key = `blobs/${randomUUID()}`;
    const uploadId = await store.multipart.create(key);
    for (const { number, bytes } of sends) {
      const body = bytes ?? partOf(data, number);
      await store.multipart.putPart(key, uploadId, number, Readable.from([body]), {
        size: body.length,
        offset: (number - 1) * PART,
      });
    }
    return { key, uploadId };
  }

  async function complete(target: BlobStore, key: string, uploadId: string) {
    const parts = await target.multipart.listParts(key, uploadId);
    const result = await target.multipart.complete(key, uploadId, parts);
    await target.multipart.abort(key, uploadId);
    return { ...result, stored: await buffer(await target.get(key)) };
  }

  it('knows the whole file’s SHA-256 at completion, whatever order the parts came in', async () => {
    const data = randomBytes(3 * PART + 4321);
    const { key, uploadId } = await upload(data, [
      { number: 3 },
      { number: 1 },
      { number: 4 },
      { number: 2 },
    ]);
    const { sha256: known, stored } = await complete(store, key, uploadId);
    expect(stored.equals(data)).toBe(true);
    expect(known).toBe(sha256(data));
  });

  it('gives no SHA-256 when a part hashed already was sent again, so the file is read back', async () => {
    const data = randomBytes(2 * PART + 10);
    const first = randomBytes(PART);
    const { key, uploadId } = await upload(data, [{ number: 1, bytes: first }, { number: 2 }, { number: 3 }]);
    // Sent one after another, the three were hashed as they came; now part 1 changes.
    await store.multipart.putPart(key, uploadId, 1, Readable.from([partOf(data, 1)]), {
      size: PART,
      offset: 0,
    });
    const { sha256: known, stored } = await complete(store, key, uploadId);
    expect(stored.equals(data)).toBe(true);
    expect(known).toBeUndefined();
  });

  it('gives no SHA-256 to a store that did not see the parts arrive (another process)', async () => {
    const data = randomBytes(PART + 1);
    const { key, uploadId } = await upload(data, [{ number: 1 }, { number: 2 }]);
    const other = await createFsBlobStore(dir.path);
    const { sha256: known, stored } = await complete(other, key, uploadId);
    expect(stored.equals(data)).toBe(true);
    expect(known).toBeUndefined();
  });

  it('hashes parts sent one after another, and parts sent at once', async () => {
    const data = randomBytes(6 * PART + 77);
    const key = `blobs/${randomUUID()}`;
    const uploadId = await store.multipart.create(key);
    const send = (number: number) => {
      const body = partOf(data, number);
      return store.multipart.putPart(key, uploadId, number, Readable.from([body]), {
        size: body.length,
        offset: (number - 1) * PART,
      });
    };
    await send(1);
    await send(2);
    await Promise.all([send(3), send(4), send(5), send(6), send(7)]);
    const { sha256: known, stored } = await complete(store, key, uploadId);
    expect(stored.equals(data)).toBe(true);
    expect(known).toBe(sha256(data));
  });

  it('counts nothing of a part that failed on its way, and hashes it when it is sent again', async () => {
    const data = randomBytes(3 * PART);
    const key = `blobs/${randomUUID()}`;
    const uploadId = await store.multipart.create(key);
    const expect1 = { size: PART, offset: 0 };
    // The in-order part breaks off half way, then comes whole but wrong in size, then right.
    const broken = Readable.from(
      (async function* () {
        yield randomBytes(PART / 2);
        throw new Error('the client went away');
      })(),
    );
    await expect(store.multipart.putPart(key, uploadId, 1, broken, expect1)).rejects.toThrow();
    await expect(
      store.multipart.putPart(key, uploadId, 1, Readable.from([randomBytes(PART - 1)]), expect1),
    ).rejects.toThrow(/must be/);
    for (const number of [2, 1, 3]) {
      await store.multipart.putPart(key, uploadId, number, Readable.from([partOf(data, number)]), {
        size: PART,
        offset: (number - 1) * PART,
      });
    }
    const { sha256: known, stored } = await complete(store, key, uploadId);
    expect(stored.equals(data)).toBe(true);
    expect(known).toBe(sha256(data));
  });

  it('hashes the bytes a part waiting ahead was last sent with', async () => {
    const data = randomBytes(2 * PART);
    // Part 2 arrives twice (wrong bytes first) before part 1: it is read back only once part 1 is in.
    const { key, uploadId } = await upload(data, [
      { number: 2, bytes: randomBytes(PART) },
      { number: 2 },
      { number: 1 },
    ]);
    const { sha256: known, stored } = await complete(store, key, uploadId);
    expect(stored.equals(data)).toBe(true);
    expect(known).toBe(sha256(data));
  });
});

describe('the digest thread', () => {
  it('stops once no upload is followed, and starts again for the next, whose SHA-256 is right', async () => {
    const dir = await tempDir();
    const digests = createPartDigests({ threadIdleMs: 50 });
    try {
      const digestOf = async (name: string) => {
        const data = randomBytes(2 * PART + 99);
        const file = path.join(dir.path, name);
        await writeFile(file, data);
        const uploadId = randomUUID();
        const parts = [
          { number: 2, offset: PART, size: PART + 99, etag: randomUUID() },
          { number: 1, offset: 0, size: PART, etag: randomUUID() },
        ];
        for (const { number, ...part } of parts) digests.stored(uploadId, file, number, part);
        const known = await digests.sha256Of(
          uploadId,
          parts.map(({ number, size, etag }) => ({ number, size, etag })).reverse(),
        );
        digests.forget(uploadId);
        return { known, expected: sha256(data) };
      };
      const first = await digestOf('first');
      expect(first.known).toBe(first.expected);
      expect(digests.threadRunning()).toBe(true);
      for (let i = 0; i < 100 && digests.threadRunning(); i++) await new Promise((r) => setTimeout(r, 20));
      expect(digests.threadRunning()).toBe(false);
      const second = await digestOf('second');
      expect(second.known).toBe(second.expected);
      expect(digests.threadRunning()).toBe(true);
    } finally {
      digests.close();
      await dir.remove();
    }
  });
});

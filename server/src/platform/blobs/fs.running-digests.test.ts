import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { setTimeout } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/services.ts';
import type { BlobStore } from './blob-store.ts';
import { createFsBlobStore } from './fs.blob-store.ts';
import { createDigestThread } from './fs.running-digests.ts';

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
    // Time to hash the first three parts (a few MiB from the page cache) before part 1 changes.
    await setTimeout(500);
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

  // A put's digest: the store falls back to reading the file when there is none, so these ask the
  // thread directly, where a wrong or missing digest would otherwise go unnoticed.
  it('hashes ranges in order, and answers only for exactly the bytes written', async () => {
    const thread = createDigestThread();
    try {
      const data = randomBytes(3 * PART + 99);
      const file = path.join(dir.path, `put-${randomUUID()}`);
      await writeFile(file, data);
      const ranges = [0, PART, 2 * PART, 3 * PART].map(
        (at) => [at, Math.min(at + PART, data.length)] as const,
      );
      const digestOf = (sent: (readonly [number, number])[]) => {
        const digest = thread.start();
        for (const [start, end] of sent) digest.add(file, start, end);
        return digest;
      };

      expect(await digestOf(ranges).sha256(data.length)).toBe(sha256(data));
      // Asked again (a completion tried a second time), the same answer.
      const whole = digestOf(ranges);
      expect(await whole.sha256(data.length)).toBe(sha256(data));
      expect(await whole.sha256(data.length)).toBe(sha256(data));
      // Small writes are gathered before they are sent, and hashed all the same.
      const small = [...Array(100).keys()].map((i) => [i * 1000, (i + 1) * 1000] as const);
      expect(await digestOf(small).sha256(100_000)).toBe(sha256(data.subarray(0, 100_000)));

      // A range missing in the middle, or a size other than what was hashed.
      expect(await digestOf(ranges.filter(([start]) => start !== PART)).sha256(data.length)).toBeUndefined();
      expect(await digestOf(ranges.slice(0, 3)).sha256(data.length)).toBeUndefined();
      expect(await digestOf(ranges).sha256(3 * PART)).toBeUndefined();
      // A range the file doesn't hold (cut short meanwhile).
      expect(await digestOf([[0, data.length + 1]]).sha256(data.length + 1)).toBeUndefined();
      // Closed (a failed put), or its thread gone, it answers nothing.
      const closed = digestOf(ranges);
      closed.close();
      expect(await closed.sha256(data.length)).toBeUndefined();
      const orphaned = digestOf(ranges);
      await thread.close();
      expect(await orphaned.sha256(data.length)).toBeUndefined();
      // Nothing written is the SHA-256 of nothing; the thread starts again when needed.
      expect(await thread.start().sha256(0)).toBe(sha256(Buffer.alloc(0)));
    } finally {
      await thread.close();
    }
  });
});

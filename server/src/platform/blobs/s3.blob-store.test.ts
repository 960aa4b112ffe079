import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverSets } from '../../../test/harness.ts';
import { startS3, type TestS3 } from '../../../test/services.ts';
import { blobStoreSuite } from './blob-store.test-suite.ts';
import type { BlobStore } from './blob-store.ts';
import { createS3BlobStore } from './s3.blob-store.ts';

const md5Of = (data: Uint8Array) => createHash('md5').update(data).digest('base64');

// Part of the `services` driver set (TEST_DRIVERS=embedded,services), which CI runs: against the
// run's RADOS Gateway, which checks signatures, Content-MD5 and part sizes as AWS does.
describe.runIf(driverSets().includes('services'))('the S3 driver', () => {
  blobStoreSuite('S3 (RADOS Gateway)', async () => {
    const s3 = await startS3();
    const store = createS3BlobStore(s3.config);
    return {
      store,
      async close() {
        await store.close();
        await s3.close();
      },
    };
  });

  describe('presigned part URLs', () => {
    let s3: TestS3;
    let store: BlobStore;
    beforeAll(async () => {
      s3 = await startS3();
      store = createS3BlobStore(s3.config);
    });
    afterAll(async () => {
      await store.close();
      await s3.close();
    });

    const part = randomBytes(64 * 1024);
    async function upload() {
      const key = `blobs/${randomUUID()}`;
      return { key, uploadId: await store.multipart.create(key) };
    }
    const put = async (url: string, body: Uint8Array, md5 = md5Of(body)) => {
      const response = await fetch(url, {
        method: 'PUT',
        body: new Uint8Array(body),
        headers: { 'content-md5': md5 },
      });
      return { status: response.status, text: await response.text() };
    };
    const arrived = async (key: string, uploadId: string) =>
      (await store.multipart.listParts(key, uploadId)).map((p) => p.number);

    it('are refused by the store when tampered with: signature, part number, length', async () => {
      const { key, uploadId } = await upload();
      const url = new URL(
        (await store.multipart.partUrl(key, uploadId, { number: 1, size: part.length }, 60)) ?? '',
      );

      const signature = url.searchParams.get('X-Amz-Signature') ?? '';
      const forged = new URL(url);
      forged.searchParams.set(
        'X-Amz-Signature',
        `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`,
      );
      expect(await put(forged.toString(), part)).toMatchObject({ status: 403 });

      const otherPart = new URL(url);
      otherPart.searchParams.set('partNumber', '2');
      expect(await put(otherPart.toString(), part)).toMatchObject({ status: 403 });

      // The length is signed: a part of any other size is refused on arrival.
      expect(await put(url.toString(), part.subarray(1))).toMatchObject({ status: 403 });
      expect(await put(url.toString(), Buffer.concat([part, Buffer.from('x')]))).toMatchObject({
        status: 403,
      });
      expect(await arrived(key, uploadId)).toEqual([]);

      expect(await put(url.toString(), part)).toMatchObject({ status: 200 });
      expect(await arrived(key, uploadId)).toEqual([1]);
      await store.multipart.abort(key, uploadId);
    });

    it('are refused by the store once expired', async () => {
      const { key, uploadId } = await upload();
      const url = (await store.multipart.partUrl(key, uploadId, { number: 1, size: part.length }, 1)) ?? '';
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      expect(await put(url, part)).toMatchObject({ status: 403 });
      expect(await arrived(key, uploadId)).toEqual([]);
      await store.multipart.abort(key, uploadId);
    });

    it('carry a part the store refuses when it does not match its Content-MD5', async () => {
      const { key, uploadId } = await upload();
      const url = (await store.multipart.partUrl(key, uploadId, { number: 1, size: part.length }, 60)) ?? '';
      const refused = await put(url, part, md5Of(randomBytes(16)));
      expect(refused.status).toBe(400);
      expect(refused.text).toContain('<Code>BadDigest</Code>');
      expect(await arrived(key, uploadId)).toEqual([]);
      await store.multipart.abort(key, uploadId);
    });
  });
});

import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../../test/services.ts';
import { blobStoreSuite } from './blob-store.test-suite.ts';
import { BlobNotFoundError, UploadClosedError } from './blob-store.ts';
import { createFsBlobStore } from './fs.blob-store.ts';

blobStoreSuite('local directory', async () => {
  const dir = await tempDir();
  return { store: await createFsBlobStore(dir.path), close: dir.remove };
});

describe('a local multipart upload aborted while a part is on its way', () => {
  it('is removed whole, and the part is refused as gone, never failed otherwise', async () => {
    const dir = await tempDir();
    const store = await createFsBlobStore(dir.path);
    try {
      const chunk = randomBytes(64 * 1024);
      const outcomes = new Set<string>();
      for (let round = 0; round < 40; round += 1) {
        const key = `blobs/race-${round}`;
        const uploadId = await store.multipart.create(key);
        const body = new PassThrough();
        const sending = store.multipart
          .putPart(key, uploadId, 1, body, { size: 2 * chunk.length, offset: 0 })
          .then(
            () => 'stored',
            (error: unknown) => {
              if (error instanceof BlobNotFoundError) return 'gone';
              if (error instanceof UploadClosedError) return 'closed';
              throw error;
            },
          );
        body.write(chunk);
        // The abort lands anywhere from before the writer is admitted to after its last byte.
        await sleep(round % 4);
        const aborting = store.multipart.abort(key, uploadId);
        body.end(chunk);
        await aborting;
        outcomes.add(await sending);
        const left = [];
        for await (const upload of store.multipart.list())
          if (upload.uploadId === uploadId) left.push(upload);
        expect(left).toEqual([]);
      }
      expect([...outcomes].every((outcome) => ['stored', 'gone', 'closed'].includes(outcome))).toBe(true);
    } finally {
      store.close();
      await dir.remove();
    }
  });
});

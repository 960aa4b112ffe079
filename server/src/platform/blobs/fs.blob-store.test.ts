import { randomBytes } from 'node:crypto';
import { link, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
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

describe('a deleted local blob', () => {
  it('is gone from its key at once, unlinked after; what a stopped store left, and writes a crash cut short, go at its next start', async () => {
    const dir = await tempDir();
    const deleted = path.join(dir.path, 'deleted');
    let store = await createFsBlobStore(dir.path);
    try {
      const body = randomBytes(256 * 1024);
      await store.put('blobs/a', Readable.from([body]));
      await store.put('blobs/b', Readable.from([body]));
      await store.delete('blobs/a');
      expect(await store.stat('blobs/a')).toBeUndefined();
      await expect(store.get('blobs/a')).rejects.toBeInstanceOf(BlobNotFoundError);
      expect(await store.stat('blobs/b')).toMatchObject({ size: body.length });
      // Deleting what is not there is no error.
      await store.delete('blobs/a');
      await store.close();
      expect(await readdir(deleted)).toEqual([]);

      // A process stopped between the rename and the unlink, and temporary files: one written
      // before the time a write counts as abandoned (here 1 s, a day unless said), one made since
      // as a completion's link is, of a file whose bytes are older (it may be another process's).
      await writeFile(path.join(deleted, 'left-behind'), body);
      const incoming = path.join(dir.path, 'tmp');
      await writeFile(path.join(incoming, 'abandoned'), body);
      const old = path.join(dir.path, 'old-bytes');
      await writeFile(old, body);
      await sleep(1_500);
      await link(old, path.join(incoming, 'linked'));
      store = await createFsBlobStore(dir.path, { abandonedWriteMs: 1_000 });
      await store.close();
      expect(await readdir(deleted)).toEqual([]);
      expect(await readdir(incoming)).toEqual(['linked']);
      expect(await store.stat('blobs/b')).toMatchObject({ size: body.length });
    } finally {
      await store.close();
      await dir.remove();
    }
  });
});

import { randomUUID } from 'node:crypto';
import { link, mkdir, readdir, readFile, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { DigestCounter, TooManyBytesError } from '../../shared/streams.ts';
import {
  BlobNotFoundError,
  type MultipartUploads,
  type PartInfo,
  PartRejectedError,
  PartsInFlightError,
  StorageFullError,
} from './blob-store.ts';
import { FileSink } from './file-sink.ts';
import { createPartDigests } from './fs.part-digests.ts';
import { markerText, parseMarker, type StoredPart } from './fs.part-markers.ts';
import { admitWriter, seal, sealAndDrain, unseal } from './fs.part-writers.ts';

/** How long completing waits for parts still being received before it gives up (the client completes again). */
const PART_DRAIN_WAIT_MS = 30_000;
/** A part's writes: smaller than a single upload's, see FileSinkOptions.batchBytes. */
const PART_WRITE_BATCH = 512 * 1024;

export interface FsMultipartDirs {
  /** One directory per upload: its parts' `data` file, their markers, and a `key` file. */
  uploads: string;
  /** Where a completed upload's second name is made before it is renamed into place. */
  incoming: string;
  /** The file of the blob `key`. */
  pathOf(key: string): string;
}

/**
 * Multipart uploads in the local directory. An upload's parts go into one `data` file, each marked
 * as arrived by a marker file (fs.part-markers.ts). Completing links that file into place: no copy.
 */
export function createFsMultipart(dirs: FsMultipartDirs): MultipartUploads & { close(): void } {
  const partDigests = createPartDigests();

  function uploadDir(uploadId: string): string {
    if (!/^[0-9a-f-]{36}$/.test(uploadId)) throw new Error(`invalid upload id: ${uploadId}`);
    return path.join(dirs.uploads, uploadId);
  }

  async function storedPart(uploadId: string, number: number): Promise<StoredPart | undefined> {
    const marker = await readFile(path.join(uploadDir(uploadId), String(number)), 'utf8').catch(() => '');
    return parseMarker(marker);
  }

  async function listParts(uploadId: string): Promise<PartInfo[]> {
    const names = await readdir(uploadDir(uploadId)).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') throw new BlobNotFoundError(`multipart/${uploadId}`);
      throw error;
    });
    const parts: PartInfo[] = [];
    for (const name of names) {
      if (!/^\d+$/.test(name)) continue;
      const part = await storedPart(uploadId, Number(name));
      if (part !== undefined) parts.push({ number: Number(name), ...part });
    }
    return parts.sort((a, b) => a.number - b.number);
  }

  /** The file an upload's parts go into; BlobNotFoundError once the upload is gone. */
  async function uploadData(uploadId: string): Promise<string> {
    const data = path.join(uploadDir(uploadId), 'data');
    const isFile = await stat(data).then(
      (found) => found.isFile(),
      () => false,
    );
    if (!isFile) throw new BlobNotFoundError(`multipart/${uploadId}`);
    return data;
  }

  // Two sends of one part at once would write over each other's bytes; the second is refused.
  const partsBeingWritten = new Set<string>();

  return {
    direct: false,
    async create(key) {
      const uploadId = randomUUID();
      const dir = uploadDir(uploadId);
      try {
        await mkdir(dir, { recursive: true });
        await writeFile(path.join(dir, 'data'), '');
        await writeFile(path.join(dir, 'key'), key);
      } catch (error) {
        await rm(dir, { recursive: true, force: true });
        if ((error as NodeJS.ErrnoException).code === 'ENOSPC') throw new StorageFullError(error);
        throw error;
      }
      return uploadId;
    },
    async partUrl() {
      return undefined;
    },
    async putPart(_key, uploadId, number, body, expect, { releaseChunks = false } = {}) {
      const dir = uploadDir(uploadId);
      const data = await uploadData(uploadId);
      const slot = `${uploadId}:${number}`;
      if (partsBeingWritten.has(slot))
        throw new PartRejectedError(`Part ${number} is being received already.`);
      partsBeingWritten.add(slot);
      const marker = path.join(dir, String(number));
      let leave: (() => Promise<void>) | undefined;
      try {
        leave = await admitWriter(dir);
        // Its bytes are about to be overwritten: until they are checked, the part hasn't arrived.
        await rm(marker, { force: true });
        // Digests only to check the ones the client sent (Content-MD5, x-amz-checksum-sha256).
        const digester = new DigestCounter(expect.size, {
          md5: expect.md5 !== undefined,
          sha256: expect.sha256 !== undefined,
        });
        await pipeline(
          body,
          digester,
          new FileSink(data, {
            flags: 'r+',
            start: expect.offset,
            flush: 'datasync',
            // Other parts of the upload are usually being written at the same time.
            batchBytes: PART_WRITE_BATCH,
            releaseChunks,
          }),
        );
        if (digester.bytes !== expect.size) {
          throw new PartRejectedError(
            `Part ${number} must be ${expect.size} bytes; ${digester.bytes} arrived.`,
          );
        }
        if (expect.md5 !== undefined && expect.md5 !== digester.digest('md5', 'base64')) {
          throw new PartRejectedError(`Part ${number} does not match its Content-MD5.`);
        }
        if (expect.sha256 !== undefined && expect.sha256 !== digester.digest('sha256', 'base64')) {
          throw new PartRejectedError(`Part ${number} does not match its x-amz-checksum-sha256.`);
        }
        const etag = randomUUID();
        await writeFile(marker, markerText({ size: expect.size, etag }));
        partDigests.stored(uploadId, data, number, { size: expect.size, etag, offset: expect.offset });
        return { number, size: expect.size, etag };
      } catch (error) {
        if (error instanceof TooManyBytesError) {
          throw new PartRejectedError(`Part ${number} is larger than its ${expect.size} bytes.`);
        }
        if ((error as NodeJS.ErrnoException).code === 'ENOSPC') throw new StorageFullError(error);
        // The upload was aborted while this part was on its way: its directory is gone.
        if ((error as NodeJS.ErrnoException).code === 'ENOENT')
          throw new BlobNotFoundError(`multipart/${uploadId}`);
        throw error;
      } finally {
        partsBeingWritten.delete(slot);
        await leave?.();
      }
    },
    listParts: (_key, uploadId) => listParts(uploadId),
    async complete(key, uploadId, parts) {
      const dir = uploadDir(uploadId);
      const data = await uploadData(uploadId);
      const size = parts.reduce((total, part) => total + part.size, 0);
      // No part may change the file once it is being joined and checked.
      await sealAndDrain(dir, PART_DRAIN_WAIT_MS);
      try {
        // A part sent again after the caller listed them is not the part it means to join.
        const now = new Map((await listParts(uploadId)).map((part) => [part.number, part.etag]));
        if (parts.some((part) => now.get(part.number) !== part.etag)) throw new PartsInFlightError();
        const sha256 = await partDigests.sha256Of(uploadId, parts);
        // Parts re-sent while others were written can't have grown the file past the last part's end.
        await truncate(data, size);
        const target = dirs.pathOf(key);
        await mkdir(path.dirname(target), { recursive: true });
        // A second name for the same file: the upload keeps its own until abort(), so that if
        // recording the file fails, completing can be tried again. Through a temporary name, so
        // that a completion cut short after linking (a crash) doesn't block the next one.
        const temporary = path.join(dirs.incoming, randomUUID());
        await link(data, temporary);
        await rename(temporary, target);
        return { sha256 };
      } catch (error) {
        await unseal(dir);
        if ((error as NodeJS.ErrnoException).code === 'ENOSPC') throw new StorageFullError(error);
        throw error;
      }
    },
    async abort(_key, uploadId) {
      partDigests.forget(uploadId);
      const dir = uploadDir(uploadId);
      // Sealed first, so that no part write starts in it; one admitted before may still leave a
      // file while the directory is being removed, which a retry removes too.
      await seal(dir).catch(() => {});
      await rm(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 20 });
    },
    async *list() {
      for (const uploadId of await readdir(dirs.uploads)) {
        const dir = path.join(dirs.uploads, uploadId);
        const key = await readFile(path.join(dir, 'key'), 'utf8').catch(() => '');
        const stats = await stat(dir).catch(() => undefined);
        if (stats !== undefined)
          yield { key, uploadId, startedAt: stats.birthtime.getTime() > 0 ? stats.birthtime : stats.mtime };
      }
    },
    close() {
      partDigests.close();
    },
  };
}

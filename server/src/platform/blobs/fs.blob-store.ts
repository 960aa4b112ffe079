import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import {
  type FileHandle,
  link,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  truncate,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';
import { type Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DigestCounter, TooManyBytesError } from '../../shared/streams.ts';
import {
  type BlobInfo,
  BlobNotFoundError,
  type BlobStore,
  type ByteRange,
  type MultipartUploads,
  type PartInfo,
  PartRejectedError,
  PartsInFlightError,
  type PutOptions,
  StorageFullError,
} from './blob-store.ts';
import { FileSink } from './file-sink.ts';
import { markerText, parseMarker, type StoredPart } from './fs.part-markers.ts';
import { admitWriter, sealAndDrain, unseal } from './fs.part-writers.ts';
import { createRunningDigests } from './fs.running-digests.ts';

const COPY_BUFFER = 1024 * 1024;
/** How long completing waits for parts still being received before it gives up (the client completes again). */
const PART_DRAIN_WAIT_MS = 30_000;

/**
 * Copies a file (or a range of it) to `destination` through two buffers used in turn: one is read
 * into while the other is being written, and a buffer is reused only once its write completed.
 * A stream would allocate a new buffer for every read; at disk speed that garbage costs more CPU
 * than the copying.
 */
async function copyFromFile(handle: FileHandle, range: ByteRange | undefined, destination: Writable) {
  const end = range === undefined ? (await handle.stat()).size : range.end + 1;
  let position = range?.start ?? 0;
  const buffers = [Buffer.allocUnsafe(COPY_BUFFER), Buffer.allocUnsafe(COPY_BUFFER)];
  const writes: (Promise<void> | undefined)[] = [undefined, undefined];
  for (let turn = 0; position < end; turn ^= 1) {
    await writes[turn];
    const buffer = buffers[turn] as Buffer;
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, end - position), position);
    if (bytesRead === 0) throw new Error('the blob is shorter than expected');
    position += bytesRead;
    if (destination.destroyed) throw new Error('the destination closed');
    const write = new Promise<void>((resolve, reject) => {
      destination.write(buffer.subarray(0, bytesRead), (error) => (error ? reject(error) : resolve()));
    });
    // Awaited below, or not at all when another step fails first; either way it is handled.
    write.catch(() => {});
    writes[turn] = write;
    // Don't run ahead of a slow client: wait for it to drain before reading more than one buffer ahead.
    if (destination.writableNeedDrain) await drained(destination);
  }
  await Promise.all(writes);
}

/** One pass over a file for its SHA-256, through the copy's reused buffers. */
async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  const handle = await open(file, 'r');
  try {
    await copyFromFile(
      handle,
      undefined,
      new Writable({
        write(chunk: Buffer, _encoding, callback) {
          hash.update(chunk);
          callback();
        },
      }),
    );
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

function drained(destination: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      destination.off('drain', onDrain).off('close', onClose).off('error', done);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => done();
    const onClose = () => done(new Error('the destination closed'));
    destination.on('drain', onDrain).on('close', onClose).on('error', done);
  });
}

const SAFE_KEY = /^[a-z0-9][a-z0-9/_-]*$/;

/**
 * Blobs as files under a directory. A blob is written to `tmp/` and renamed into place once it is
 * complete and flushed, so a reader never sees half a file.
 */
export async function createFsBlobStore(root: string): Promise<BlobStore> {
  const objects = path.join(root, 'objects');
  const incoming = path.join(root, 'tmp');
  // One directory per multipart upload: its parts as files named by number, and a `key` file.
  const uploadsDir = path.join(root, 'multipart');
  await mkdir(objects, { recursive: true });
  await mkdir(incoming, { recursive: true });
  await mkdir(uploadsDir, { recursive: true });

  const runningDigests = createRunningDigests();

  function pathOf(key: string): string {
    // Keys come from the server, never from a user; this guards against a bug, not an attack.
    if (!SAFE_KEY.test(key) || key.includes('//')) throw new Error(`invalid blob key: ${key}`);
    return path.join(objects, key);
  }

  async function infoOf(key: string): Promise<BlobInfo | undefined> {
    try {
      const stats = await stat(pathOf(key));
      return stats.isFile() ? { key, size: stats.size, lastModified: stats.mtime } : undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async function* walk(dir: string, keyPrefix: string): AsyncGenerator<BlobInfo> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      const key = keyPrefix + entry.name;
      if (entry.isDirectory()) yield* walk(path.join(dir, entry.name), `${key}/`);
      else if (entry.isFile()) {
        const info = await infoOf(key);
        if (info !== undefined) yield info;
      }
    }
  }

  /**
   * Writes `body` to a temporary file, flushes it, and moves it to `target`. Asked for its SHA-256,
   * the digest thread hashes each range close behind the writing; should it miss one, the file is
   * read back once instead.
   */
  async function writeAtomically(
    target: string,
    body: Readable,
    { releaseChunks = false, sha256: wanted = false }: PutOptions,
  ) {
    const temporary = path.join(incoming, randomUUID());
    const digestKey = path.basename(temporary);
    let size = 0;
    const onWritten = wanted
      ? (offset: number, length: number) => {
          size = offset + length;
          runningDigests.rangeWritten(digestKey, temporary, offset, length);
        }
      : undefined;
    try {
      await pipeline(body, new FileSink(temporary, { flags: 'wx', flush: 'sync', releaseChunks, onWritten }));
      const sha256 = wanted
        ? ((await runningDigests.sha256OfRanges(digestKey, size)) ?? (await sha256OfFile(temporary)))
        : undefined;
      await mkdir(path.dirname(target), { recursive: true });
      await rename(temporary, target);
      return { sha256 };
    } catch (error) {
      if (wanted) runningDigests.forget(digestKey);
      await rm(temporary, { force: true });
      if ((error as NodeJS.ErrnoException).code === 'ENOSPC') throw new StorageFullError(error);
      throw error;
    }
  }

  function uploadDir(uploadId: string): string {
    if (!/^[0-9a-f-]{36}$/.test(uploadId)) throw new Error(`invalid upload id: ${uploadId}`);
    return path.join(uploadsDir, uploadId);
  }

  // An upload's parts go into one `data` file, each marked as arrived by a marker file
  // (fs.part-markers.ts). Completing links that file into place: no copy.
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

  const multipart: MultipartUploads = {
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
          new FileSink(data, { flags: 'r+', start: expect.offset, flush: 'datasync', releaseChunks }),
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
        runningDigests.partStored(uploadId, dir, number);
        return { number, size: expect.size, etag };
      } catch (error) {
        if (error instanceof TooManyBytesError) {
          throw new PartRejectedError(`Part ${number} is larger than its ${expect.size} bytes.`);
        }
        if ((error as NodeJS.ErrnoException).code === 'ENOSPC') throw new StorageFullError(error);
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
        const sha256 = await runningDigests.sha256Of(uploadId, dir, parts);
        // Parts re-sent while others were written can't have grown the file past the last part's end.
        await truncate(data, size);
        const target = pathOf(key);
        await mkdir(path.dirname(target), { recursive: true });
        // A second name for the same file: the upload keeps its own until abort(), so that if
        // recording the file fails, completing can be tried again. Through a temporary name, so
        // that a completion cut short after linking (a crash) doesn't block the next one.
        const temporary = path.join(incoming, randomUUID());
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
      runningDigests.forget(uploadId);
      await rm(uploadDir(uploadId), { recursive: true, force: true });
    },
    async *list() {
      for (const uploadId of await readdir(uploadsDir)) {
        const dir = path.join(uploadsDir, uploadId);
        const key = await readFile(path.join(dir, 'key'), 'utf8').catch(() => '');
        const stats = await stat(dir).catch(() => undefined);
        if (stats !== undefined)
          yield { key, uploadId, startedAt: stats.birthtime.getTime() > 0 ? stats.birthtime : stats.mtime };
      }
    },
  };

  return {
    driver: 'fs',
    multipart,
    async put(key, body, options = {}) {
      return writeAtomically(pathOf(key), body, options);
    },
    async open(key, range) {
      const handle = await open(pathOf(key), 'r').catch((error: NodeJS.ErrnoException) => {
        throw error.code === 'ENOENT' ? new BlobNotFoundError(key) : error;
      });
      return {
        async to(destination) {
          try {
            await copyFromFile(handle, range, destination);
          } finally {
            await handle.close();
          }
        },
      };
    },
    async get(key, range) {
      const file = pathOf(key);
      // Open first so a missing blob is a rejection here, not an error event mid-response.
      const handle = await open(file, 'r').catch((error: NodeJS.ErrnoException) => {
        throw error.code === 'ENOENT' ? new BlobNotFoundError(key) : error;
      });
      return createReadStream('', {
        fd: handle,
        start: range?.start,
        end: range?.end,
        highWaterMark: 1024 * 1024,
      });
    },
    stat: infoOf,
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
    list(prefix) {
      const slash = prefix.lastIndexOf('/');
      const dirKey = slash === -1 ? '' : prefix.slice(0, slash + 1);
      const rest = prefix.slice(dirKey.length);
      const all = walk(path.join(objects, dirKey), dirKey);
      return (async function* () {
        for await (const info of all) if (info.key.startsWith(dirKey + rest)) yield info;
      })();
    },
    async check() {
      await stat(objects);
    },
    async close() {
      await runningDigests.close();
    },
  };
}

import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  type BlobInfo,
  BlobNotFoundError,
  type BlobStore,
  type PutOptions,
  StorageFullError,
} from './blob-store.ts';
import { FileSink } from './file-sink.ts';
import { copyFromFile } from './fs.copy.ts';
import { createFsMultipart } from './fs.multipart.ts';

const SAFE_KEY = /^[a-z0-9][a-z0-9/_-]*$/;
/** A temporary file unchanged this long is left from a write that a crash cut short. */
const ABANDONED_WRITE_MS = 24 * 60 * 60 * 1000;

/**
 * Blobs as files under a directory. A blob is written to `tmp/` and renamed into place once it is
 * complete and flushed, so a reader never sees half a file. A deleted blob is renamed into
 * `deleted/` and unlinked from there after the call returned: freeing a large file's cached pages
 * and blocks took 0.6 s for 1 GiB, which replacing or purging a file should not wait for. A start
 * removes what stopped processes left in both.
 */
export async function createFsBlobStore(
  root: string,
  { abandonedWriteMs = ABANDONED_WRITE_MS }: { abandonedWriteMs?: number } = {},
): Promise<BlobStore> {
  const objects = path.join(root, 'objects');
  const incoming = path.join(root, 'tmp');
  const deleted = path.join(root, 'deleted');
  // One directory per multipart upload (fs.multipart.ts).
  const uploadsDir = path.join(root, 'multipart');
  await mkdir(objects, { recursive: true });
  await mkdir(incoming, { recursive: true });
  await mkdir(deleted, { recursive: true });
  await mkdir(uploadsDir, { recursive: true });

  // Unlinks under way, which close() waits for.
  const unlinking = new Set<Promise<void>>();
  function unlinkLater(file: string) {
    const done: Promise<void> = rm(file, { force: true })
      .catch(() => {
        // Left in deleted/: the next start removes it.
      })
      .finally(() => unlinking.delete(done));
    unlinking.add(done);
  }
  // What a process stopped before it unlinked: nothing points at anything in deleted/.
  for (const name of await readdir(deleted)) unlinkLater(path.join(deleted, name));
  // A write cut short by a crash leaves its temporary file. By its change time, not its modification
  // time: a write moves both, but so does the link a multipart completion makes here of parts
  // written days ago, which another instance starting meanwhile must not take for abandoned.
  const abandoned = Date.now() - abandonedWriteMs;
  for (const name of await readdir(incoming)) {
    const file = path.join(incoming, name);
    const stats = await stat(file).catch(() => undefined);
    if (stats?.isFile() && stats.ctimeMs < abandoned) unlinkLater(file);
  }

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
   * hashes the bytes as they go into the file: the file is new, and only this write writes it.
   */
  async function writeAtomically(
    target: string,
    body: Readable,
    { releaseChunks = false, sha256: wanted = false }: PutOptions,
  ) {
    const temporary = path.join(incoming, randomUUID());
    const hash = wanted ? createHash('sha256') : undefined;
    try {
      await pipeline(body, new FileSink(temporary, { flags: 'wx', flush: 'sync', releaseChunks, hash }));
      await mkdir(path.dirname(target), { recursive: true });
      await rename(temporary, target);
      return { sha256: hash?.digest('hex') };
    } catch (error) {
      await rm(temporary, { force: true });
      if ((error as NodeJS.ErrnoException).code === 'ENOSPC') throw new StorageFullError(error);
      throw error;
    }
  }

  const multipart = createFsMultipart({ uploads: uploadsDir, incoming, pathOf });

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
      const doomed = path.join(deleted, randomUUID());
      try {
        await rename(pathOf(key), doomed);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw error;
      }
      unlinkLater(doomed);
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
      multipart.close();
      await Promise.all(unlinking);
    },
  };
}

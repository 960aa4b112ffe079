import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type tar from 'tar-stream';
import type { Deps } from '../../deps.ts';
import { BlobNotFoundError } from '../../platform/blobs/blob-store.ts';
import { DigestCounter } from '../../shared/streams.ts';

/** The archive's layout: the database's dump first, every blob, the manifest last. */
export const BACKUP = { database: 'database.tar', blobs: 'blobs/', manifest: 'manifest.json' } as const;

export interface Manifest {
  version: 1;
  createdAt: string;
  blobs: { key: string; size: number; sha256: string }[];
}

/** A tar entry of `size` bytes from `source`, counted and hashed on its way. */
async function addEntry(pack: tar.Pack, name: string, size: number, source: Readable) {
  const counter = new DigestCounter(size, { sha256: true });
  const entry = pack.entry({ name, size });
  await pipeline(source, counter, entry as unknown as Writable);
  return { size: counter.bytes, sha256: counter.digest('sha256', 'hex') ?? '' };
}

/**
 * Writes a backup of the embedded instance into `pack` while it keeps serving: PGlite's data
 * directory dumped between two queries, then every blob in the store. Blobs are never rewritten
 * (a new upload is a new key), so every file in the dump has its blob unless it was purged while
 * the blobs were being copied; those few are what `npm run fsck` reports after a restore.
 */
export async function writeBackup({ database, blobs, clock }: Deps, pack: tar.Pack): Promise<void> {
  if (database.dumpDataDir === undefined)
    throw new Error('only the embedded database can be backed up this way');
  const dump = await database.dumpDataDir();
  await addEntry(pack, BACKUP.database, dump.size, Readable.fromWeb(dump.stream() as never));
  const manifest: Manifest = { version: 1, createdAt: clock.now().toISOString(), blobs: [] };
  for await (const blob of blobs.list('blobs/')) {
    let body: Readable;
    try {
      body = await blobs.get(blob.key);
    } catch (error) {
      // Deleted since it was listed (a purge, the collector): nothing in the dump needs it.
      if (error instanceof BlobNotFoundError) continue;
      throw error;
    }
    const { size, sha256 } = await addEntry(pack, `${BACKUP.blobs}${blob.key}`, blob.size, body);
    manifest.blobs.push({ key: blob.key, size, sha256 });
  }
  const text = Buffer.from(JSON.stringify(manifest, null, 1));
  await addEntry(pack, BACKUP.manifest, text.length, Readable.from([text]));
  pack.finalize();
}

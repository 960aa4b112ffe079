import { createWriteStream, openAsBlob } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { createFsBlobStore } from '../../platform/blobs/fs.blob-store.ts';
import { createPglite, pgliteDir } from '../../platform/database/database.ts';
import { DigestCounter } from '../../shared/streams.ts';
import { BACKUP, type Manifest } from './backup.ts';

/**
 * Brings a backup (`backup.tar`, as `POST /admin/backup` streams it) back into `dataDir`, which
 * must be empty or missing. Every blob is checked against the manifest; a mismatch fails the restore.
 */
export async function restoreBackup(archive: Readable, dataDir: string): Promise<{ blobs: number }> {
  await mkdir(dataDir, { recursive: true });
  if ((await readdir(dataDir)).length > 0) throw new Error(`${dataDir} is not empty`);
  const blobs = await createFsBlobStore(path.join(dataDir, 'blobs'));
  const dumpFile = path.join(dataDir, 'database-dump.tar');
  const restored = new Map<string, { size: number; sha256: string }>();
  let manifest: Manifest | undefined;
  const extract = tar.extract();
  const reading = pipeline(archive, extract);
  for await (const entry of extract) {
    const name = entry.header.name;
    if (name === BACKUP.database) await pipeline(entry, createWriteStream(dumpFile));
    else if (name === BACKUP.manifest) {
      const chunks: Buffer[] = [];
      for await (const chunk of entry) chunks.push(chunk as Buffer);
      manifest = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Manifest;
    } else if (name.startsWith(BACKUP.blobs)) {
      const key = name.slice(BACKUP.blobs.length);
      const counter = new DigestCounter(Number.POSITIVE_INFINITY, { sha256: true });
      await Promise.all([pipeline(entry, counter), blobs.put(key, counter)]);
      restored.set(key, { size: counter.bytes, sha256: counter.digest('sha256', 'hex') ?? '' });
    } else entry.resume();
  }
  await reading;
  await blobs.close();
  if (manifest === undefined) throw new Error('the backup has no manifest: it is incomplete');
  for (const blob of manifest.blobs) {
    const got = restored.get(blob.key);
    if (got === undefined || got.size !== blob.size || got.sha256 !== blob.sha256)
      throw new Error(`blob ${blob.key} in the backup doesn't match its manifest`);
  }
  const client = await createPglite(pgliteDir(dataDir), await openAsBlob(dumpFile));
  await client.close();
  await rm(dumpFile);
  return { blobs: restored.size };
}

import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { sql } from 'drizzle-orm';
import type { Deps } from '../../deps.ts';
import { rowsOf } from '../../platform/database/database.ts';
import type { Services } from '../../services.ts';
import { unreferencedBlobs } from '../gc/garbage-collector.ts';

const BATCH = 500;

export type ProblemKind = 'missing_blob' | 'wrong_size' | 'wrong_content' | 'orphan_blob' | 'wrong_usage';

export interface Problem {
  kind: ProblemKind;
  /** What it is about: a file node's id, a blob key, a user's id. */
  subject: string;
  detail: string;
  /** What `repair` did about it, if anything. */
  repaired?: boolean;
}

export interface CheckOptions {
  /** Read every blob and compare its SHA-256 with the one recorded (slow: every byte is read). */
  verifyContent?: boolean;
  /** Delete orphan blobs older than the GC grace period, and set usage figures to what the files add up to. */
  repair?: boolean;
}

interface FileRow {
  id: string;
  blob_key: string;
  size: string;
  stored_size: string;
  sha256: string | null;
  encoding: 'identity' | 'gzip';
}

/** The content's size and SHA-256 as the user sees it (a gzip-stored blob inflated), streamed. */
async function contentDigest(blobs: Deps['blobs'], file: FileRow): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      hash.update(chunk);
      callback();
    },
  });
  const stored = await blobs.get(file.blob_key);
  await (file.encoding === 'gzip' ? pipeline(stored, createGunzip(), sink) : pipeline(stored, sink));
  return { size, sha256: hash.digest('hex') };
}

/**
 * Checks that the database and the blob store agree: every file's blob is there with its stored
 * size (and, asked to, its content's SHA-256), every blob is someone's, and every account's usage
 * is what its files add up to. Reports; changes nothing unless asked to repair.
 */
export async function checkStorage(deps: Deps, services: Services, options: CheckOptions = {}) {
  const { database, blobs, clock, config } = deps;
  const { db } = database;
  const problems: Problem[] = [];
  let files = 0;
  let blobCount = 0;

  let after = '';
  for (;;) {
    const page = rowsOf<FileRow>(
      await db.execute(sql`select id, blob_key, size::text, stored_size::text, sha256, encoding
        from nodes where kind = 'file' and blob_key > ${after} order by blob_key limit ${BATCH}`),
    );
    if (page.length === 0) break;
    after = page[page.length - 1]?.blob_key ?? after;
    for (const file of page) {
      files += 1;
      const info = await blobs.stat(file.blob_key);
      if (info === undefined) {
        problems.push({ kind: 'missing_blob', subject: file.id, detail: `no blob ${file.blob_key}` });
        continue;
      }
      if (String(info.size) !== file.stored_size) {
        problems.push({
          kind: 'wrong_size',
          subject: file.id,
          detail: `blob ${file.blob_key} is ${info.size} bytes, the file says ${file.stored_size}`,
        });
        continue;
      }
      if (options.verifyContent && file.sha256 !== null) {
        const content = await contentDigest(blobs, file).catch((error: Error) => ({ error }));
        if ('error' in content || content.sha256 !== file.sha256 || String(content.size) !== file.size)
          problems.push({
            kind: 'wrong_content',
            subject: file.id,
            detail:
              'error' in content
                ? `blob ${file.blob_key} can't be read back: ${content.error.message}`
                : `blob ${file.blob_key} doesn't match the file's SHA-256 and size`,
          });
      }
    }
  }

  const cutoff = clock.now().getTime() - config.uploads.gcGraceSeconds * 1000;
  let batch: { key: string; old: boolean }[] = [];
  const flush = async () => {
    const orphans = new Set(
      await unreferencedBlobs(
        services,
        batch.map((blob) => blob.key),
      ),
    );
    for (const blob of batch) {
      if (!orphans.has(blob.key)) continue;
      // A young blob may be an upload about to record its file; the collector's grace applies.
      const repaired = options.repair === true && blob.old;
      if (repaired) await blobs.delete(blob.key);
      problems.push({
        kind: 'orphan_blob',
        subject: blob.key,
        detail: blob.old
          ? 'no file or upload session points at it'
          : 'unreferenced, but younger than GC_GRACE_SECONDS',
        repaired,
      });
    }
    batch = [];
  };
  for await (const blob of blobs.list('blobs/')) {
    blobCount += 1;
    batch.push({ key: blob.key, old: blob.lastModified.getTime() <= cutoff });
    if (batch.length >= BATCH) await flush();
  }
  await flush();

  problems.push(...(await checkUsage(deps, options.repair === true)));
  return { files, blobs: blobCount, problems };
}

/** Accounts whose `used_bytes` is not the stored size of their files (the trash included); repaired under the account's row lock. */
async function checkUsage({ database }: Deps, repair: boolean): Promise<Problem[]> {
  const { db } = database;
  // One statement, one snapshot: an upload records its file and its usage in one transaction.
  const wrong = rowsOf<{ id: string; used: string; stored: string }>(
    await db.execute(sql`select u.id, u.used_bytes::text as used, s.stored::text as stored from users u
      cross join lateral (select coalesce(sum(stored_size), 0) as stored from nodes where owner_id = u.id) s
      where u.used_bytes <> s.stored`),
  );
  const problems: Problem[] = [];
  for (const account of wrong) {
    let repaired = false;
    if (repair) {
      repaired = await db.transaction(async (tx) => {
        await tx.execute(sql`select 1 from users where id = ${account.id} for update`);
        const fixed = await tx.execute(sql`update users set used_bytes =
            (select coalesce(sum(stored_size), 0) from nodes where owner_id = ${account.id})
          where id = ${account.id} returning used_bytes`);
        return rowsOf(fixed).length === 1;
      });
    }
    problems.push({
      kind: 'wrong_usage',
      subject: account.id,
      detail: `used_bytes is ${account.used}, the files add up to ${account.stored}`,
      repaired,
    });
  }
  return problems;
}

import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { BlobStore } from '../../src/platform/blobs/blob-store.ts';
import type { Database } from '../../src/platform/database/database.ts';
import { eachConcurrently } from './pool.ts';

export interface InvariantReport {
  /** Each invariant by name, with what breaks it (empty when it holds). */
  violations: Record<string, string[]>;
  checked: { users: number; nodes: number; files: number; blobs: number; openSessions: number };
}

async function rows<T>(db: Database, query: ReturnType<typeof sql>): Promise<T[]> {
  return ((await db.execute(query)) as unknown as { rows: T[] }).rows;
}

async function sha256Of(blobs: BlobStore, key: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of await blobs.get(key)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * What must hold of the database and the blob store whatever requests ran, in whatever order, and
 * whatever failed: no cycle in any tree, storage accounting that adds up, every file's blob present
 * and intact, no two live siblings with one name, and (after a collection) no blob nobody points at.
 */
export async function checkInvariants(
  db: Database,
  blobs: BlobStore,
  options: {
    orphansAllowed: boolean;
    /**
     * Only these users' trees and accounts (a run that keeps adding users checks each batch once);
     * the store is still checked whole against every file and session of the database.
     */
    owners?: string[];
  },
): Promise<InvariantReport> {
  const owners = options.owners;
  const ownedBy = (column: string) =>
    owners === undefined
      ? sql`true`
      : owners.length === 0
        ? sql`false`
        : sql`${sql.raw(column)} in (${sql.join(
            owners.map((owner) => sql`${owner}`),
            sql`, `,
          )})`;
  const violations: Record<string, string[]> = {
    'no cycle': [],
    'used bytes = stored sizes of unpurged files': [],
    'reserved bytes = open sessions': [],
    'every file has its blob, size and sha256': [],
    'no two live siblings share a name': [],
    'no blob without a file or session': [],
  };
  const unreachable = await rows<{ id: string }>(
    db,
    sql`
    with recursive up(start, id, parent_id, depth) as (
      select id, id, parent_id, 0 from nodes where ${ownedBy('owner_id')}
      union all
      select up.start, n.id, n.parent_id, up.depth + 1
      from nodes n join up on n.id = up.parent_id where up.depth < 300
    )
    select start as id from up group by start having bool_and(parent_id is not null) or max(depth) >= 300`,
  );
  violations['no cycle']?.push(...unreachable.map((row) => `node ${row.id} doesn't reach a root`));

  const accounts = await rows<{
    id: string;
    used: string;
    stored: string;
    reserved: string;
    sessions: string;
  }>(
    db,
    sql`select u.id, u.used_bytes::text as used, u.reserved_bytes::text as reserved,
      (select coalesce(sum(stored_size), 0)::text from nodes where owner_id = u.id) as stored,
      (select coalesce(sum(stored_size), 0)::text from uploads
        where owner_id = u.id and status in ('open', 'completing')) as sessions
    from users u where ${ownedBy('u.id')}`,
  );
  for (const account of accounts) {
    if (account.used !== account.stored)
      violations['used bytes = stored sizes of unpurged files']?.push(
        `user ${account.id}: used ${account.used}, files ${account.stored}`,
      );
    if (account.reserved !== account.sessions)
      violations['reserved bytes = open sessions']?.push(
        `user ${account.id}: reserved ${account.reserved}, sessions ${account.sessions}`,
      );
  }

  const files = await rows<{
    id: string;
    blob_key: string;
    stored_size: string;
    sha256: string | null;
    encoding: string;
  }>(
    db,
    sql`select id, blob_key, stored_size::text, sha256, encoding from nodes
      where kind = 'file' and ${ownedBy('owner_id')}`,
  );
  await eachConcurrently(files, 8, async (file) => {
    const info = await blobs.stat(file.blob_key);
    if (info === undefined) {
      violations['every file has its blob, size and sha256']?.push(
        `file ${file.id}: no blob ${file.blob_key}`,
      );
      return;
    }
    if (String(info.size) !== file.stored_size) {
      violations['every file has its blob, size and sha256']?.push(
        `file ${file.id}: blob is ${info.size} bytes, row says ${file.stored_size}`,
      );
      return;
    }
    if (
      file.sha256 !== null &&
      file.encoding === 'identity' &&
      (await sha256Of(blobs, file.blob_key)) !== file.sha256
    )
      violations['every file has its blob, size and sha256']?.push(
        `file ${file.id}: content differs from its sha256`,
      );
  });

  const twins = await rows<{ parent_id: string; name: string }>(
    db,
    sql`
    select parent_id, name from nodes
    where trashed_at is null and parent_id is not null and ${ownedBy('owner_id')}
    group by parent_id, name having count(*) > 1`,
  );
  violations['no two live siblings share a name']?.push(
    ...twins.map((t) => `"${t.name}" twice in ${t.parent_id}`),
  );

  const open = await rows<{ blob_key: string }>(
    db,
    sql`
    select blob_key from uploads where status in ('open', 'completing') and ${ownedBy('owner_id')}`,
  );
  const everyFile =
    owners === undefined
      ? files
      : await rows<{ blob_key: string }>(db, sql`select blob_key from nodes where kind = 'file'`);
  const everySession =
    owners === undefined
      ? open
      : await rows<{ blob_key: string }>(
          db,
          sql`select blob_key from uploads where status in ('open', 'completing')`,
        );
  const wanted = new Set([
    ...everyFile.map((file) => file.blob_key),
    ...everySession.map((session) => session.blob_key),
  ]);
  let blobCount = 0;
  for await (const blob of blobs.list('blobs/')) {
    blobCount += 1;
    if (!options.orphansAllowed && !wanted.has(blob.key))
      violations['no blob without a file or session']?.push(`blob ${blob.key} (${blob.size} bytes)`);
  }
  const [nodeCount] = await rows<{ count: number }>(
    db,
    sql`select count(*)::int as count from nodes where ${ownedBy('owner_id')}`,
  );
  return {
    violations,
    checked: {
      users: accounts.length,
      nodes: nodeCount?.count ?? 0,
      files: files.length,
      blobs: blobCount,
      openSessions: open.length,
    },
  };
}

export function describeReport(report: InvariantReport): string {
  const lines = Object.entries(report.violations).map(
    ([name, found]) =>
      `  ${found.length === 0 ? 'holds' : `BROKEN (${found.length})`}: ${name}${found.length === 0 ? '' : `\n    ${found.slice(0, 5).join('\n    ')}`}`,
  );
  const c = report.checked;
  return `checked ${c.users} users, ${c.nodes} nodes, ${c.files} files, ${c.blobs} blobs, ${c.openSessions} open sessions\n${lines.join('\n')}`;
}

export const violationCount = (report: InvariantReport) =>
  Object.values(report.violations).reduce((total, found) => total + found.length, 0);

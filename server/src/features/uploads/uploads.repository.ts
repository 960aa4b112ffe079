import { and, asc, eq, inArray, lt } from 'drizzle-orm';
import type { Queryable } from '../../platform/database/database.ts';
import { type UploadRow, uploads } from './uploads.table.ts';

export type NewUpload = typeof uploads.$inferInsert;

export async function insertUpload(db: Queryable, values: NewUpload): Promise<UploadRow> {
  const [row] = await db.insert(uploads).values(values).returning();
  if (row === undefined) throw new Error('insert returned no upload');
  return row;
}

export async function findUpload(db: Queryable, id: string): Promise<UploadRow | undefined> {
  const [row] = await db.select().from(uploads).where(eq(uploads.id, id));
  return row;
}

/** The session, locked until the transaction ends, so that two completes or aborts can't both settle it. */
export async function lockUpload(db: Queryable, id: string): Promise<UploadRow | undefined> {
  const [row] = await db.select().from(uploads).where(eq(uploads.id, id)).for('update');
  return row;
}

export async function updateUpload(db: Queryable, id: string, changes: Partial<NewUpload>) {
  await db.update(uploads).set(changes).where(eq(uploads.id, id));
}

export async function listOpenUploads(db: Queryable, ownerId: string): Promise<UploadRow[]> {
  return db
    .select()
    .from(uploads)
    .where(and(eq(uploads.ownerId, ownerId), eq(uploads.status, 'open')))
    .orderBy(asc(uploads.createdAt));
}

export async function expiredUploadIds(db: Queryable, now: Date, limit: number): Promise<string[]> {
  const rows = await db
    .select({ id: uploads.id })
    .from(uploads)
    .where(and(eq(uploads.status, 'open'), lt(uploads.expiresAt, now)))
    .limit(limit);
  return rows.map((row) => row.id);
}

/** Of these blob keys, the ones an open upload session is writing to. */
export async function blobKeysOfOpenUploads(db: Queryable, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await db
    .select({ key: uploads.blobKey })
    .from(uploads)
    .where(and(eq(uploads.status, 'open'), inArray(uploads.blobKey, keys)));
  return new Set(rows.map((row) => row.key));
}

import { and, asc, count, eq, inArray, isNull, lt, or } from 'drizzle-orm';
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

/** Sessions that still hold a reservation: open, or being completed. */
const unsettled = inArray(uploads.status, ['open', 'completing']);

/**
 * Claims the session for one completion: it must be open, or completing under a claim that ran
 * out (its completer died). Answers the session, or undefined when someone else holds it.
 */
export async function claimCompletion(
  db: Queryable,
  id: string,
  claim: { completionId: string; now: Date; until: Date; expiresAt: Date },
): Promise<UploadRow | undefined> {
  const [row] = await db
    .update(uploads)
    .set({
      status: 'completing',
      completionId: claim.completionId,
      completingUntil: claim.until,
      expiresAt: claim.expiresAt,
    })
    .where(
      and(
        eq(uploads.id, id),
        or(
          eq(uploads.status, 'open'),
          and(eq(uploads.status, 'completing'), lt(uploads.completingUntil, claim.now)),
        ),
      ),
    )
    .returning();
  return row;
}

/** Extends a claim its holder still has; false when it was lost. */
export async function renewClaim(db: Queryable, id: string, completionId: string, until: Date) {
  const rows = await db
    .update(uploads)
    .set({ completingUntil: until })
    .where(and(eq(uploads.id, id), eq(uploads.status, 'completing'), eq(uploads.completionId, completionId)))
    .returning({ id: uploads.id });
  return rows.length === 1;
}

/** Opens the session again after a completion that failed in a way the client can fix. */
export async function releaseClaim(
  db: Queryable,
  id: string,
  completionId: string,
  changes: Partial<NewUpload> = {},
) {
  await db
    .update(uploads)
    .set({ ...changes, status: 'open', completionId: null, completingUntil: null })
    .where(and(eq(uploads.id, id), eq(uploads.status, 'completing'), eq(uploads.completionId, completionId)));
}

export async function updateUpload(db: Queryable, id: string, changes: Partial<NewUpload>) {
  await db.update(uploads).set(changes).where(eq(uploads.id, id));
}

/** Unsettled sessions the user started, into whoever's tree (sessions from before `created_by`: the owner's). */
export async function listOpenUploadsStartedBy(db: Queryable, userId: string): Promise<UploadRow[]> {
  return db
    .select()
    .from(uploads)
    .where(
      and(
        or(
          eq(uploads.createdBy, userId),
          and(isNull(uploads.createdBy), isNull(uploads.shareId), eq(uploads.ownerId, userId)),
        ),
        unsettled,
      ),
    )
    .orderBy(asc(uploads.createdAt));
}

/** Unsettled sessions into the user's tree or started by them. */
export async function listOpenUploadsOf(db: Queryable, userId: string): Promise<UploadRow[]> {
  return db
    .select()
    .from(uploads)
    .where(and(or(eq(uploads.ownerId, userId), eq(uploads.createdBy, userId)), unsettled))
    .orderBy(asc(uploads.createdAt));
}

/** How many sessions are unsettled, by status (open, completing). */
export async function countUnsettledUploads(db: Queryable): Promise<{ status: string; count: number }[]> {
  return db
    .select({ status: uploads.status, count: count() })
    .from(uploads)
    .where(unsettled)
    .groupBy(uploads.status);
}

export async function expiredUploadIds(db: Queryable, now: Date, limit: number): Promise<string[]> {
  const rows = await db
    .select({ id: uploads.id })
    .from(uploads)
    .where(
      and(
        lt(uploads.expiresAt, now),
        or(
          eq(uploads.status, 'open'),
          and(
            eq(uploads.status, 'completing'),
            or(isNull(uploads.completingUntil), lt(uploads.completingUntil, now)),
          ),
        ),
      ),
    )
    .limit(limit);
  return rows.map((row) => row.id);
}

/** Of these blob keys, the ones an unsettled upload session is writing to. */
export async function blobKeysOfOpenUploads(db: Queryable, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await db
    .select({ key: uploads.blobKey })
    .from(uploads)
    .where(and(unsettled, inArray(uploads.blobKey, keys)));
  return new Set(rows.map((row) => row.key));
}

/** The unsettled sessions started through a link, locked until the transaction ends. */
/** The sessions started through a link and not settled (`open` only: none being completed), locked. */
export async function lockOpenUploadsThrough(
  db: Queryable,
  shareId: string,
  only: 'unsettled' | 'open' = 'unsettled',
): Promise<UploadRow[]> {
  return db
    .select()
    .from(uploads)
    .where(and(eq(uploads.shareId, shareId), only === 'open' ? eq(uploads.status, 'open') : unsettled))
    .for('update');
}

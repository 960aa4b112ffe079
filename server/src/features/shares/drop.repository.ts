import { and, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import type { Queryable } from '../../platform/database/database.ts';
import { shareLinks } from './shares.table.ts';

/**
 * Counts one more file against a live drop's `maxFiles`, with one conditional update: of parallel
 * drops into a drop with one file left, one counts and the others find it spent. False when the
 * drop is gone, expired or spent.
 */
export async function countDroppedFile(db: Queryable, shareId: string, now: Date): Promise<boolean> {
  const rows = await db
    .update(shareLinks)
    .set({ filesDropped: sql`${shareLinks.filesDropped} + 1` })
    .where(
      and(
        eq(shareLinks.id, shareId),
        eq(shareLinks.kind, 'drop'),
        isNull(shareLinks.revokedAt),
        or(isNull(shareLinks.expiresAt), gt(shareLinks.expiresAt, now)),
        or(isNull(shareLinks.maxFiles), lt(shareLinks.filesDropped, shareLinks.maxFiles)),
      ),
    )
    .returning({ id: shareLinks.id });
  return rows.length === 1;
}

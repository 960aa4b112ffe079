import { and, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import type { Queryable } from '../../platform/database/database.ts';
import { shareLinks } from './shares.table.ts';

/**
 * Counts one more file against a live drop's `maxFiles`, with one conditional update: of parallel
 * drops into a drop with one file left, one counts and the others find it spent. `counted` false
 * when the drop is gone, expired or spent; `spent` when this file was its last.
 */
export async function countDroppedFile(
  db: Queryable,
  shareId: string,
  now: Date,
): Promise<{ counted: boolean; spent: boolean }> {
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
    .returning({ filesDropped: shareLinks.filesDropped, maxFiles: shareLinks.maxFiles });
  const [row] = rows;
  return {
    counted: row !== undefined,
    spent: row !== undefined && row.maxFiles !== null && row.filesDropped >= row.maxFiles,
  };
}

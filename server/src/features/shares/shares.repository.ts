import { and, desc, eq, lt, sql } from 'drizzle-orm';
import type { Queryable } from '../../platform/database/database.ts';
import { nodes } from '../nodes/nodes.table.ts';
import { type ShareEventRow, type ShareLinkRow, shareEvents, shareLinks } from './shares.table.ts';

export type NewShareLink = typeof shareLinks.$inferInsert;
export type NewShareEvent = typeof shareEvents.$inferInsert;

/** A link with what the owner's list shows of the node it points at. */
export type ShareListing = ShareLinkRow & { nodeName: string; nodeKind: 'file' | 'folder' };

const listing = { share: shareLinks, nodeName: nodes.name, nodeKind: nodes.kind };
const toListing = (row: { share: ShareLinkRow; nodeName: string; nodeKind: 'file' | 'folder' }) => ({
  ...row.share,
  nodeName: row.nodeName,
  nodeKind: row.nodeKind,
});

export async function insertLink(db: Queryable, values: NewShareLink): Promise<ShareLinkRow> {
  const [row] = await db.insert(shareLinks).values(values).returning();
  if (row === undefined) throw new Error('insert returned no share link');
  return row;
}

export async function findByTokenHash(db: Queryable, tokenHash: string): Promise<ShareLinkRow | undefined> {
  const [row] = await db.select().from(shareLinks).where(eq(shareLinks.tokenHash, tokenHash));
  return row;
}

/** The owner's link with this id. */
export async function findOwned(
  db: Queryable,
  ownerId: string,
  id: string,
): Promise<ShareListing | undefined> {
  const [row] = await db
    .select(listing)
    .from(shareLinks)
    .innerJoin(nodes, eq(nodes.id, shareLinks.nodeId))
    .where(and(eq(shareLinks.id, id), eq(shareLinks.ownerId, ownerId)));
  return row === undefined ? undefined : toListing(row);
}

export async function listOwned(db: Queryable, ownerId: string, nodeId?: string): Promise<ShareListing[]> {
  const rows = await db
    .select(listing)
    .from(shareLinks)
    .innerJoin(nodes, eq(nodes.id, shareLinks.nodeId))
    .where(
      nodeId === undefined
        ? eq(shareLinks.ownerId, ownerId)
        : and(eq(shareLinks.ownerId, ownerId), eq(shareLinks.nodeId, nodeId)),
    )
    .orderBy(desc(shareLinks.createdAt), desc(shareLinks.id));
  return rows.map(toListing);
}

export async function deleteLink(db: Queryable, ownerId: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(shareLinks)
    .where(and(eq(shareLinks.id, id), eq(shareLinks.ownerId, ownerId)))
    .returning({ id: shareLinks.id });
  return rows.length > 0;
}

/** Logs an access and makes it the link's last. */
export async function insertEvent(db: Queryable, values: NewShareEvent & { at: Date }): Promise<void> {
  await db.insert(shareEvents).values(values);
  await db.update(shareLinks).set({ lastAccessAt: values.at }).where(eq(shareLinks.id, values.shareId));
}

/** A page of a link's access log, newest first, after the event numbered `after`. */
export async function pageOfEvents(
  db: Queryable,
  shareId: string,
  after: number | undefined,
  limit: number,
): Promise<ShareEventRow[]> {
  const where =
    after === undefined
      ? eq(shareEvents.shareId, shareId)
      : and(eq(shareEvents.shareId, shareId), lt(shareEvents.seq, after));
  return db.select().from(shareEvents).where(where).orderBy(desc(shareEvents.seq)).limit(limit);
}

/** Changes the owner's link; a new password (or none) ends every grant made under the old one. */
export async function updateOwned(
  db: Queryable,
  ownerId: string,
  id: string,
  changes: Partial<NewShareLink>,
): Promise<ShareLinkRow | undefined> {
  const [row] = await db
    .update(shareLinks)
    .set(
      changes.passwordHash === undefined
        ? changes
        : { ...changes, passwordVersion: sql`${shareLinks.passwordVersion} + 1` },
    )
    .where(and(eq(shareLinks.id, id), eq(shareLinks.ownerId, ownerId)))
    .returning();
  return row;
}

import { sql } from 'drizzle-orm';
import type { Queryable } from './database.ts';

/**
 * Every PostgreSQL advisory lock the server takes, in one list so that no two purposes share a
 * number. Any constants work; every instance on one database must use the same ones.
 */
export const LOCKS = {
  migration: 727_001,
  /** Registration: of several first accounts at once, only one becomes the administrator. */
  firstUser: 727_002,
  garbageCollector: 727_003,
  /** With a second key per user: the lock on that user's tree (see `lockTree`). */
  tree: 727_100,
} as const;

/**
 * Holds the lock on one owner's tree until the transaction ends. Every change to the tree takes it
 * before reading what it decides on, so that two moves can't build a cycle, two purges can't both
 * refund, and a replace charges against the size it actually replaces.
 */
export async function lockTree(tx: Queryable, ownerId: string) {
  await tx.execute(sql`select pg_advisory_xact_lock(${LOCKS.tree}, hashtext(${ownerId}))`);
}

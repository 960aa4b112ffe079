import { and, desc, eq, ne } from 'drizzle-orm';
import type { Queryable } from '../../platform/database/database.ts';
import { type SessionRow, sessions } from './sessions.table.ts';

export async function insertSession(
  db: Queryable,
  values: { userId: string; tokenHash: string; userAgent: string | null; expiresAt: Date },
): Promise<SessionRow> {
  const [row] = await db.insert(sessions).values(values).returning();
  if (row === undefined) throw new Error('insert returned no session');
  return row;
}

export async function findSessionByTokenHash(
  db: Queryable,
  tokenHash: string,
): Promise<SessionRow | undefined> {
  const [row] = await db.select().from(sessions).where(eq(sessions.tokenHash, tokenHash));
  return row;
}

export async function touchSession(db: Queryable, id: string, lastUsedAt: Date, expiresAt: Date) {
  await db.update(sessions).set({ lastUsedAt, expiresAt }).where(eq(sessions.id, id));
}

export async function listSessions(db: Queryable, userId: string): Promise<SessionRow[]> {
  return db.select().from(sessions).where(eq(sessions.userId, userId)).orderBy(desc(sessions.lastUsedAt));
}

/** Deletes one session of the user; returns what was deleted (nothing for someone else's). */
export async function deleteSession(db: Queryable, userId: string, id: string): Promise<SessionRow[]> {
  return db
    .delete(sessions)
    .where(and(eq(sessions.userId, userId), eq(sessions.id, id)))
    .returning();
}

/** Deletes every session of the user except `keepId`; returns what was deleted. */
export async function deleteSessionsOf(
  db: Queryable,
  userId: string,
  keepId?: string,
): Promise<SessionRow[]> {
  return db
    .delete(sessions)
    .where(
      keepId === undefined
        ? eq(sessions.userId, userId)
        : and(eq(sessions.userId, userId), ne(sessions.id, keepId)),
    )
    .returning();
}

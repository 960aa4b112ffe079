import { and, desc, eq } from 'drizzle-orm';
import type { Queryable } from '../../platform/database/database.ts';
import { type AppPasswordRow, type AppPasswordScope, appPasswords } from './app-passwords.table.ts';

export async function insertAppPassword(
  db: Queryable,
  values: { userId: string; name: string; scope: AppPasswordScope; tokenHash: string },
): Promise<AppPasswordRow> {
  const [row] = await db.insert(appPasswords).values(values).returning();
  if (row === undefined) throw new Error('insert returned no app password');
  return row;
}

export async function findAppPasswordByTokenHash(
  db: Queryable,
  tokenHash: string,
): Promise<AppPasswordRow | undefined> {
  const [row] = await db.select().from(appPasswords).where(eq(appPasswords.tokenHash, tokenHash));
  return row;
}

export async function touchAppPassword(db: Queryable, id: string, lastUsedAt: Date, lastAddress: string) {
  await db.update(appPasswords).set({ lastUsedAt, lastAddress }).where(eq(appPasswords.id, id));
}

export async function listAppPasswords(db: Queryable, userId: string): Promise<AppPasswordRow[]> {
  return db
    .select()
    .from(appPasswords)
    .where(eq(appPasswords.userId, userId))
    .orderBy(desc(appPasswords.createdAt), desc(appPasswords.id));
}

/** Deletes one app password of the user; returns what was deleted (nothing for someone else's). */
export async function deleteAppPassword(
  db: Queryable,
  userId: string,
  id: string,
): Promise<AppPasswordRow[]> {
  return db
    .delete(appPasswords)
    .where(and(eq(appPasswords.userId, userId), eq(appPasswords.id, id)))
    .returning();
}

export async function deleteAppPasswordsOf(db: Queryable, userId: string): Promise<AppPasswordRow[]> {
  return db.delete(appPasswords).where(eq(appPasswords.userId, userId)).returning();
}

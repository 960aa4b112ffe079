import { and, desc, eq, gt, isNull } from 'drizzle-orm';
import type { Queryable } from '../../platform/database/database.ts';
import { type InvitationRow, invitations } from './invitations.table.ts';

export async function insertInvitation(
  db: Queryable,
  values: { codeHash: string; note: string | null; createdBy: string; expiresAt: Date },
): Promise<InvitationRow> {
  const [row] = await db.insert(invitations).values(values).returning();
  if (row === undefined) throw new Error('insert returned no invitation');
  return row;
}

export async function listInvitations(db: Queryable, limit: number): Promise<InvitationRow[]> {
  return db
    .select()
    .from(invitations)
    .orderBy(desc(invitations.createdAt), desc(invitations.id))
    .limit(limit);
}

export async function deleteInvitation(db: Queryable, id: string): Promise<InvitationRow[]> {
  return db.delete(invitations).where(eq(invitations.id, id)).returning();
}

/**
 * Marks the invitation used, if it is unused and unexpired, and returns its id; one conditional
 * UPDATE, so of two registrations with one code the second waits for the first's row lock, then
 * finds `used_at` set and gets nothing back.
 */
export async function claimInvitation(
  db: Queryable,
  codeHash: string,
  now: Date,
): Promise<string | undefined> {
  const [row] = await db
    .update(invitations)
    .set({ usedAt: now })
    .where(
      and(eq(invitations.codeHash, codeHash), isNull(invitations.usedAt), gt(invitations.expiresAt, now)),
    )
    .returning({ id: invitations.id });
  return row?.id;
}

export async function setInvitee(db: Queryable, id: string, userId: string) {
  await db.update(invitations).set({ usedBy: userId }).where(eq(invitations.id, id));
}

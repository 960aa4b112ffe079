import { asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Queryable } from '../../platform/database/database.ts';
import { type UserRow, users } from './users.table.ts';

export async function findUserById(db: Queryable, id: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(eq(users.id, id));
  return row;
}

export async function findUserByUsername(db: Queryable, username: string): Promise<UserRow | undefined> {
  const [row] = await db.select().from(users).where(sql`lower(${users.username}) = lower(${username})`);
  return row;
}

export async function findUsernames(
  db: Queryable,
  ids: string[],
): Promise<{ id: string; username: string }[]> {
  if (ids.length === 0) return [];
  return db.select({ id: users.id, username: users.username }).from(users).where(inArray(users.id, ids));
}

export async function insertUser(
  db: Queryable,
  values: { username: string; passwordHash: string; isAdmin: boolean; quotaBytes: number | null },
): Promise<UserRow> {
  const [row] = await db.insert(users).values(values).returning();
  if (row === undefined) throw new Error('insert returned no user');
  return row;
}

export async function countUsers(db: Queryable): Promise<number> {
  const [row] = await db.select({ count: sql<number>`count(*)::int` }).from(users);
  return row?.count ?? 0;
}

export async function updateUser(
  db: Queryable,
  id: string,
  changes: Partial<Pick<UserRow, 'username' | 'passwordHash' | 'isAdmin' | 'disabledAt' | 'quotaBytes'>>,
): Promise<UserRow | undefined> {
  const [row] = await db
    .update(users)
    .set({ ...changes, updatedAt: sql`now()` })
    .where(eq(users.id, id))
    .returning();
  return row;
}

export async function listUsers(db: Queryable, after: string | undefined, limit: number): Promise<UserRow[]> {
  return db
    .select()
    .from(users)
    .where(after === undefined ? undefined : gt(users.id, after))
    .orderBy(asc(users.id))
    .limit(limit);
}

/**
 * Charges `delta` bytes to the user, refusing (returning false) when that would exceed the quota.
 * A single conditional UPDATE, so concurrent charges can never overshoot. `delta` compared with a
 * bare 0 is cast, or PostgreSQL would take it for an `integer` and refuse anything past 2 GiB.
 */
export async function chargeUsedBytes(db: Queryable, userId: string, delta: number): Promise<boolean> {
  const rows = await db
    .update(users)
    .set({ usedBytes: sql`${users.usedBytes} + ${delta}` })
    .where(
      sql`${users.id} = ${userId} and (${delta}::bigint <= 0 or ${users.quotaBytes} is null or ${users.usedBytes} + ${users.reservedBytes} + ${delta} <= ${users.quotaBytes})`,
    )
    .returning({ id: users.id });
  return rows.length === 1;
}

/**
 * Sets `delta` bytes aside for an upload in progress (negative: gives them back), refusing when
 * stored plus reserved bytes would exceed the quota. Atomic like `chargeUsedBytes`.
 */
export async function reserveBytes(db: Queryable, userId: string, delta: number): Promise<boolean> {
  const rows = await db
    .update(users)
    .set({ reservedBytes: sql`greatest(${users.reservedBytes} + ${delta}, 0)` })
    .where(
      sql`${users.id} = ${userId} and (${delta}::bigint <= 0 or ${users.quotaBytes} is null or ${users.usedBytes} + ${users.reservedBytes} + ${delta} <= ${users.quotaBytes})`,
    )
    .returning({ id: users.id });
  return rows.length === 1;
}

export async function storageTotals(db: Queryable): Promise<{ users: number; usedBytes: number }> {
  const [row] = await db
    .select({
      users: sql<number>`count(*)::int`,
      usedBytes: sql<number>`coalesce(sum(${users.usedBytes}), 0)::bigint`,
    })
    .from(users);
  return { users: row?.users ?? 0, usedBytes: Number(row?.usedBytes ?? 0) };
}

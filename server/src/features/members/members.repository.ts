import { and, desc, eq } from 'drizzle-orm';
import type { Queryable } from '../../platform/database/database.ts';
import type { MemberRole } from '../access/access.ts';
import { nodes } from '../nodes/nodes.table.ts';
import { users } from '../users/users.table.ts';
import { type NodeMemberRow, nodeMembers } from './members.table.ts';

export type NewMember = typeof nodeMembers.$inferInsert;

/** The nodes shared with a user, and as what. */
export async function rolesOf(db: Queryable, userId: string): Promise<Map<string, MemberRole>> {
  const rows = await db
    .select({ nodeId: nodeMembers.nodeId, role: nodeMembers.role })
    .from(nodeMembers)
    .where(eq(nodeMembers.userId, userId));
  return new Map(rows.map((row) => [row.nodeId, row.role]));
}

export async function findMember(
  db: Queryable,
  nodeId: string,
  userId: string,
): Promise<NodeMemberRow | undefined> {
  const [row] = await db
    .select()
    .from(nodeMembers)
    .where(and(eq(nodeMembers.nodeId, nodeId), eq(nodeMembers.userId, userId)));
  return row;
}

export async function insertMember(db: Queryable, values: NewMember): Promise<NodeMemberRow> {
  const [row] = await db.insert(nodeMembers).values(values).returning();
  if (row === undefined) throw new Error('insert returned no member');
  return row;
}

export async function updateMemberRole(
  db: Queryable,
  nodeId: string,
  userId: string,
  role: MemberRole,
): Promise<NodeMemberRow | undefined> {
  const [row] = await db
    .update(nodeMembers)
    .set({ role })
    .where(and(eq(nodeMembers.nodeId, nodeId), eq(nodeMembers.userId, userId)))
    .returning();
  return row;
}

export async function deleteMember(db: Queryable, nodeId: string, userId: string): Promise<boolean> {
  const rows = await db
    .delete(nodeMembers)
    .where(and(eq(nodeMembers.nodeId, nodeId), eq(nodeMembers.userId, userId)))
    .returning({ id: nodeMembers.id });
  return rows.length === 1;
}

/** The node's members (or the one given) with their usernames, earliest first. */
export async function membersOf(db: Queryable, nodeId: string, userId?: string) {
  return db
    .select({
      userId: nodeMembers.userId,
      username: users.username,
      role: nodeMembers.role,
      createdAt: nodeMembers.createdAt,
    })
    .from(nodeMembers)
    .innerJoin(users, eq(users.id, nodeMembers.userId))
    .where(
      and(eq(nodeMembers.nodeId, nodeId), userId === undefined ? undefined : eq(nodeMembers.userId, userId)),
    )
    .orderBy(nodeMembers.createdAt, nodeMembers.userId);
}

/** What is shared with the user: each node, its owner and the role, newest first. */
export async function sharedWith(db: Queryable, userId: string) {
  return db
    .select({
      node: nodes,
      owner: { id: users.id, username: users.username },
      role: nodeMembers.role,
    })
    .from(nodeMembers)
    .innerJoin(nodes, eq(nodes.id, nodeMembers.nodeId))
    .innerJoin(users, eq(users.id, nodeMembers.ownerId))
    .where(eq(nodeMembers.userId, userId))
    .orderBy(desc(nodeMembers.createdAt), nodeMembers.nodeId);
}

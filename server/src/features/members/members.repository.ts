import { eq } from 'drizzle-orm';
import type { Queryable } from '../../platform/database/database.ts';
import type { MemberRole } from '../access/access.ts';
import { nodeMembers } from './members.table.ts';

/** The nodes shared with a user, and as what. */
export async function rolesOf(db: Queryable, userId: string): Promise<Map<string, MemberRole>> {
  const rows = await db
    .select({ nodeId: nodeMembers.nodeId, role: nodeMembers.role })
    .from(nodeMembers)
    .where(eq(nodeMembers.userId, userId));
  return new Map(rows.map((row) => [row.nodeId, row.role]));
}

import { index, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { nodes } from '../nodes/nodes.table.ts';
import { users } from '../users/users.table.ts';

/**
 * People a node is shared with, and what they may do with it and everything under it. A viewer
 * reads; an editor also changes the shared tree. What they add belongs to the tree's owner.
 */
export const nodeMembers = pgTable(
  'node_members',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    nodeId: uuid('node_id')
      .notNull()
      .references(() => nodes.id, { onDelete: 'cascade' }),
    /** The owner of the shared node (and of its whole tree), for listing what one has shared. */
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    role: text('role', { enum: ['viewer', 'editor'] }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (table) => [
    uniqueIndex('node_members_node_user_key').on(table.nodeId, table.userId),
    index('node_members_user_idx').on(table.userId),
  ],
);

export type NodeMemberRow = typeof nodeMembers.$inferSelect;

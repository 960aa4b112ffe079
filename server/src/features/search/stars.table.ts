import { index, pgTable, primaryKey, timestamp, uuid } from 'drizzle-orm/pg-core';
import { nodes } from '../nodes/nodes.table.ts';
import { users } from '../users/users.table.ts';

/** The files and folders a user starred: theirs, or shared with them. */
export const nodeStars = pgTable(
  'node_stars',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    nodeId: uuid('node_id')
      .notNull()
      .references(() => nodes.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.userId, table.nodeId] }),
    index('node_stars_user_created_idx').on(table.userId, table.createdAt),
  ],
);

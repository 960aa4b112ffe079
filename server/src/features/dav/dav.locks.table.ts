import { index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from '../users/users.table.ts';

/**
 * WebDAV write locks (RFC 4918 class 2), held here so that every instance sees them. A lock is on
 * a path of its user's own tree (locks are on URLs: a lock on an unmapped path keeps it reserved),
 * the path's names joined by `/` with a leading one (`/` alone is the root). A lock past its
 * `expires_at` counts for nothing and is swept by the garbage collector.
 */
export const davLocks = pgTable(
  'dav_locks',
  {
    /** The lock token, `opaquelocktoken:` and a UUID. */
    token: text('token').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    path: text('path').notNull(),
    scope: text('scope', { enum: ['exclusive', 'shared'] }).notNull(),
    depth: text('depth', { enum: ['0', 'infinity'] }).notNull(),
    /** The client's `<D:owner>` element as it was sent, or null. */
    owner: text('owner'),
    timeoutSeconds: integer('timeout_seconds').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index('dav_locks_user_path').on(table.userId, table.path),
    index('dav_locks_expiry').on(table.expiresAt),
  ],
);

export type DavLockRow = typeof davLocks.$inferSelect;

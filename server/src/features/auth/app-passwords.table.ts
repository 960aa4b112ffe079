import { sql } from 'drizzle-orm';
import { check, index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from '../users/users.table.ts';

export const APP_PASSWORD_SCOPES = ['read', 'read-write'] as const;
export type AppPasswordScope = (typeof APP_PASSWORD_SCOPES)[number];

/** Passwords a user makes for one client (a WebDAV mount, a script): each with its own scope, revoked alone. */
export const appPasswords = pgTable(
  'app_passwords',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    scope: text('scope', { enum: APP_PASSWORD_SCOPES }).notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, precision: 3 }),
    lastAddress: text('last_address'),
  },
  (table) => [
    index('app_passwords_user_id_idx').on(table.userId),
    check('app_passwords_scope_check', sql`${table.scope} in ('read', 'read-write')`),
  ],
);

export type AppPasswordRow = typeof appPasswords.$inferSelect;

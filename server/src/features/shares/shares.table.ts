import { bigint, bigserial, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { nodes } from '../nodes/nodes.table.ts';
import { users } from '../users/users.table.ts';

/**
 * Links that give anyone who holds them a way into one node: `link` to read a file or a folder's
 * subtree, `drop` to upload into a folder and see nothing of it. The token is random and shown to
 * the owner once, when the link is made; only its SHA-256 is kept.
 */
export const shareLinks = pgTable(
  'share_links',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    nodeId: uuid('node_id')
      .notNull()
      .references(() => nodes.id, { onDelete: 'cascade' }),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['link', 'drop'] }).notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    /** Argon2id of the link's password, if it has one. */
    passwordHash: text('password_hash'),
    /** Bumped whenever the password changes, which ends every grant made under the old one. */
    passwordVersion: integer('password_version').notNull().default(0),
    expiresAt: timestamp('expires_at', { withTimezone: true, precision: 3 }),
    /** A link: how many whole downloads it gives before it is spent. */
    maxDownloads: integer('max_downloads'),
    /**
     * A link: downloads taken so far in millionths of a download (one file's worth of bytes is a
     * million), reserved before bytes are sent and given back for what a cut-off answer didn't send.
     */
    downloadUnits: bigint('download_units', { mode: 'number' }).notNull().default(0),
    /** A drop: the largest file it accepts, and how many files it takes in all. */
    maxFileBytes: bigint('max_file_bytes', { mode: 'number' }),
    maxFiles: integer('max_files'),
    filesDropped: integer('files_dropped').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    lastAccessAt: timestamp('last_access_at', { withTimezone: true, precision: 3 }),
    revokedAt: timestamp('revoked_at', { withTimezone: true, precision: 3 }),
  },
  (table) => [
    index('share_links_owner_idx').on(table.ownerId, table.createdAt),
    index('share_links_node_idx').on(table.nodeId),
  ],
);

/** What `unlock` hands out for a password-protected link: good for that link only, until it expires. */
export const shareGrants = pgTable(
  'share_grants',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    shareId: uuid('share_id')
      .notNull()
      .references(() => shareLinks.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull().unique(),
    passwordVersion: integer('password_version').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true, precision: 3 }).notNull(),
  },
  (table) => [index('share_grants_share_idx').on(table.shareId)],
);

/** The access log the owner reads: who fetched or dropped what through a link, and when. */
export const shareEvents = pgTable(
  'share_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** The order events happened in, which two in one millisecond would not get from `at`. */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    shareId: uuid('share_id')
      .notNull()
      .references(() => shareLinks.id, { onDelete: 'cascade' }),
    at: timestamp('at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    address: text('address').notNull(),
    action: text('action', { enum: ['view', 'unlock', 'download', 'zip', 'drop'] }).notNull(),
    /** The node fetched or dropped; kept as a plain id, so the log outlives it. */
    nodeId: uuid('node_id'),
    name: text('name'),
    bytes: bigint('bytes', { mode: 'number' }),
  },
  (table) => [index('share_events_share_seq_idx').on(table.shareId, table.seq)],
);

export type ShareLinkRow = typeof shareLinks.$inferSelect;
export type ShareGrantRow = typeof shareGrants.$inferSelect;
export type ShareEventRow = typeof shareEvents.$inferSelect;

import { bigint, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { nodes } from '../nodes/nodes.table.ts';
import { shareLinks } from '../shares/shares.table.ts';
import { users } from '../users/users.table.ts';

/**
 * Resumable upload sessions. Everything needed to resume, complete or clean one up lives here
 * (and in the blob store), never in an API process, so any instance can serve any request.
 */
export const uploads = pgTable(
  'uploads',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** Who started the session: the owner, a member editing the owner's tree, or null for a drop. */
    createdBy: uuid('created_by').references(() => users.id, { onDelete: 'cascade' }),
    /**
     * The drop link the session came through, if it came through one. Revoking the link aborts its
     * sessions; should the link go with its folder's purge instead, the session stays (its bytes
     * still reserved) until it expires and the garbage collector releases them, or its owner aborts it.
     */
    shareId: uuid('share_id').references(() => shareLinks.id, { onDelete: 'set null' }),
    /** The folder the file goes into; null once that folder was purged (completing then fails). */
    parentId: uuid('parent_id').references(() => nodes.id, { onDelete: 'set null' }),
    name: text('name').notNull(),
    onConflict: text('on_conflict', { enum: ['fail', 'rename', 'replace'] }).notNull(),
    /** Bytes as the user sees them. */
    size: bigint('size', { mode: 'number' }).notNull(),
    /** Bytes that are uploaded and stored (smaller than `size` when gzip-compressed). */
    storedSize: bigint('stored_size', { mode: 'number' }).notNull(),
    contentType: text('content_type').notNull(),
    encoding: text('encoding', { enum: ['identity', 'gzip'] }).notNull(),
    /** The SHA-256 the client declared for the whole file (as the user sees it), if it did. */
    sha256: text('sha256'),
    partSize: bigint('part_size', { mode: 'number' }).notNull(),
    partCount: integer('part_count').notNull(),
    blobKey: text('blob_key').notNull().unique(),
    /** The blob store's id for the multipart upload. */
    storeUploadId: text('store_upload_id').notNull(),
    /**
     * `completing` while one request joins and records the file: parts are refused, and no other
     * request may complete or abort it until its claim runs out (a crash mid-way).
     */
    status: text('status', { enum: ['open', 'completing', 'completed', 'aborted'] })
      .notNull()
      .default('open'),
    /** Which request holds the claim to complete the session, and until when unless it renews it. */
    completionId: uuid('completion_id'),
    completingUntil: timestamp('completing_until', { withTimezone: true, precision: 3 }),
    nodeId: uuid('node_id').references(() => nodes.id, { onDelete: 'set null' }),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true, precision: 3 }).notNull(),
  },
  (table) => [
    index('uploads_owner_status_idx').on(table.ownerId, table.status),
    index('uploads_status_expires_idx').on(table.status, table.expiresAt),
  ],
);

export type UploadRow = typeof uploads.$inferSelect;

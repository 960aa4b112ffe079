import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  check,
  index,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { users } from '../users/users.table.ts';

/** How deep folders may nest under a root (a file in the deepest folder is one level further). */
export const MAX_TREE_DEPTH = 256;
/**
 * Every recursive walk of the tree stops here, a little past the deepest a tree may be, so that no
 * query can run without end even if a cycle were ever written.
 */
export const WALK_LIMIT = MAX_TREE_DEPTH + 8;

/**
 * The tree of folders and files. Every user has exactly one root folder (parent_id null); every
 * other node has a parent, so names are unique per (parent, name) among nodes not in the trash.
 */
export const nodes = pgTable(
  'nodes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    parentId: uuid('parent_id').references((): AnyPgColumn => nodes.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['folder', 'file'] }).notNull(),
    name: text('name').notNull(),
    size: bigint('size', { mode: 'number' }),
    storedSize: bigint('stored_size', { mode: 'number' }),
    contentType: text('content_type'),
    blobKey: text('blob_key').unique(),
    sha256: text('sha256'),
    encoding: text('encoding', { enum: ['identity', 'gzip'] }),
    createdAt: timestamp('created_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, precision: 3 }).notNull().defaultNow(),
    trashedAt: timestamp('trashed_at', { withTimezone: true, precision: 3 }),
  },
  (table) => [
    uniqueIndex('nodes_live_name_key').on(table.parentId, table.name).where(sql`${table.trashedAt} is null`),
    uniqueIndex('nodes_root_key').on(table.ownerId).where(sql`${table.parentId} is null`),
    index('nodes_owner_trashed_idx').on(table.ownerId, table.trashedAt),
    check(
      'nodes_file_fields',
      sql`(${table.kind} = 'folder' and ${table.blobKey} is null) or (${table.kind} = 'file' and ${table.blobKey} is not null and ${table.size} is not null and ${table.storedSize} is not null)`,
    ),
  ],
);

export type NodeRow = typeof nodes.$inferSelect;

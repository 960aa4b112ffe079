import { pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { nodes } from '../nodes/nodes.table.ts';

/**
 * WebDAV dead properties: what a client set on a node with PROPPATCH, kept as it was sent (the
 * property's element, with the namespace declarations it needs) and sent back by PROPFIND. They go
 * with the node: a move keeps them, a copy copies them, a purge deletes them.
 */
export const davProperties = pgTable(
  'dav_properties',
  {
    nodeId: uuid('node_id')
      .notNull()
      .references(() => nodes.id, { onDelete: 'cascade' }),
    namespace: text('namespace').notNull(),
    name: text('name').notNull(),
    value: text('value').notNull(),
  },
  (table) => [primaryKey({ columns: [table.nodeId, table.namespace, table.name] })],
);

export type DavPropertyRow = typeof davProperties.$inferSelect;

import { and, eq, inArray, sql } from 'drizzle-orm';
import { type Queryable, rowsOf } from '../../platform/database/database.ts';
import { nodes } from '../nodes/nodes.table.ts';
import { type DavPropertyRow, davProperties } from './dav.properties.table.ts';
import type { PropertyName } from './dav.xml.ts';

/** A change PROPPATCH makes: set a property to this element, or remove it. */
export type PropertyChange = PropertyName & { value: string | undefined };

/** The dead properties of these nodes, by node id. */
export async function propertiesOf(db: Queryable, nodeIds: string[]): Promise<Map<string, DavPropertyRow[]>> {
  const byNode = new Map<string, DavPropertyRow[]>();
  if (nodeIds.length === 0) return byNode;
  const rows = await db.select().from(davProperties).where(inArray(davProperties.nodeId, nodeIds));
  for (const row of rows) byNode.set(row.nodeId, [...(byNode.get(row.nodeId) ?? []), row]);
  return byNode;
}

/**
 * Whether any child of the folder has dead properties: looked at once, so that listing a folder
 * whose children have none (the usual case) reads no properties page by page.
 */
export async function childrenHaveProperties(db: Queryable, folderId: string): Promise<boolean> {
  const result = await db.execute(sql`select exists (
    select 1 from ${davProperties} join ${nodes} on ${nodes.id} = ${davProperties.nodeId}
    where ${nodes.parentId} = ${folderId}) as found`);
  return rowsOf<{ found: boolean }>(result)[0]?.found === true;
}

/** Applies the changes in order (the last one to a property wins), inside the caller's transaction. */
export async function changeProperties(tx: Queryable, nodeId: string, changes: PropertyChange[]) {
  for (const { namespace, name, value } of changes) {
    const same = and(
      eq(davProperties.nodeId, nodeId),
      eq(davProperties.namespace, namespace),
      eq(davProperties.name, name),
    );
    if (value === undefined) await tx.delete(davProperties).where(same);
    else
      await tx
        .insert(davProperties)
        .values({ nodeId, namespace, name, value })
        .onConflictDoUpdate({
          target: [davProperties.nodeId, davProperties.namespace, davProperties.name],
          set: { value },
        });
  }
}

/** Gives a copy the dead properties of what it was copied from. */
export async function copyProperties(db: Queryable, fromId: string, toId: string) {
  await db.execute(sql`insert into ${davProperties} (node_id, namespace, name, value)
    select ${toId}, namespace, name, value from ${davProperties} where node_id = ${fromId}
    on conflict (node_id, namespace, name) do update set value = excluded.value`);
}

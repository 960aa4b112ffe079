import { and, eq, inArray, isNotNull, isNull, type SQL, sql } from 'drizzle-orm';
import { type Queryable, rowsOf } from '../../platform/database/database.ts';
import { type NodeRow, nodes, WALK_LIMIT } from './nodes.table.ts';

export type NewNode = typeof nodes.$inferInsert;

export { MAX_TREE_DEPTH, WALK_LIMIT } from './nodes.table.ts';

export async function findNode(db: Queryable, id: string): Promise<NodeRow | undefined> {
  const [row] = await db.select().from(nodes).where(eq(nodes.id, id));
  return row;
}

export async function findRoot(db: Queryable, ownerId: string): Promise<NodeRow | undefined> {
  const [row] = await db
    .select()
    .from(nodes)
    .where(and(eq(nodes.ownerId, ownerId), isNull(nodes.parentId)));
  return row;
}

export async function insertNode(db: Queryable, values: NewNode): Promise<NodeRow> {
  const [row] = await db.insert(nodes).values(values).returning();
  if (row === undefined) throw new Error('insert returned no node');
  return row;
}

export async function updateNode(
  db: Queryable,
  id: string,
  changes: Partial<Omit<NewNode, 'id' | 'ownerId' | 'createdAt'>>,
): Promise<NodeRow | undefined> {
  const [row] = await db
    .update(nodes)
    .set({ ...changes, updatedAt: changes.updatedAt ?? sql`now()` })
    .where(eq(nodes.id, id))
    .returning();
  return row;
}

/** The live (not trashed) child of `parentId` called `name`, if any. */
export async function findLiveChild(
  db: Queryable,
  parentId: string,
  name: string,
): Promise<NodeRow | undefined> {
  const [row] = await db
    .select()
    .from(nodes)
    .where(and(eq(nodes.parentId, parentId), eq(nodes.name, name), isNull(nodes.trashedAt)));
  return row;
}

/**
 * The owner's root and, name by name, the live child each name is in the node before: the nodes a
 * path walks, from the root down, as far as it goes (one query, however deep the path).
 */
export async function livePath(db: Queryable, ownerId: string, names: string[]): Promise<NodeRow[]> {
  const path = sql`array[${sql.join(
    names.map((name) => sql`${name}::text`),
    sql`, `,
  )}]::text[]`;
  const rows = await db
    .select()
    .from(nodes)
    .where(
      sql`${nodes.id} in (
        with recursive walk(id, depth) as (
          select id, 0 from ${nodes} where owner_id = ${ownerId} and parent_id is null
          union all
          select n.id, walk.depth + 1 from walk join ${nodes} n
            on n.parent_id = walk.id and n.name = (${path})[walk.depth + 1] and n.trashed_at is null
          where walk.depth < ${names.length}
        )
        select id from walk)`,
    );
  // Each node is the parent of the next: put them in the path's order.
  const byParent = new Map(rows.map((row) => [row.parentId, row]));
  const chain: NodeRow[] = [];
  for (let node = byParent.get(null); node !== undefined; node = byParent.get(node.id)) chain.push(node);
  return chain;
}

/** Names in use in a folder that start with `prefix`, for choosing "name (n)". */
export async function liveNamesStartingWith(
  db: Queryable,
  parentId: string,
  prefix: string,
): Promise<Set<string>> {
  const rows = await db
    .select({ name: nodes.name })
    .from(nodes)
    .where(
      and(eq(nodes.parentId, parentId), isNull(nodes.trashedAt), sql`starts_with(${nodes.name}, ${prefix})`),
    );
  return new Set(rows.map((row) => row.name));
}

/** The node and its ancestors up to the root, nearest first. */
export async function ancestry(
  db: Queryable,
  id: string,
): Promise<Pick<NodeRow, 'id' | 'parentId' | 'name' | 'trashedAt'>[]> {
  const result = await db.execute(sql`
    with recursive chain(id, parent_id, name, trashed_at, depth) as (
      select id, parent_id, name, trashed_at, 0 from ${nodes} where id = ${id}
      union all
      select n.id, n.parent_id, n.name, n.trashed_at, chain.depth + 1
      from ${nodes} n join chain on n.id = chain.parent_id
      where chain.depth < ${WALK_LIMIT}
    )
    select id, parent_id, name, trashed_at from chain order by depth`);
  return rowsOf<{ id: string; parent_id: string | null; name: string; trashed_at: string | Date | null }>(
    result,
  ).map((row) => ({
    id: row.id,
    parentId: row.parent_id,
    name: row.name,
    trashedAt: row.trashed_at === null ? null : new Date(row.trashed_at),
  }));
}

/** `tree(id, depth)`: the node `id` and everything under it, as the start of a WITH clause. */
function subtreeOf(id: string) {
  return sql`with recursive tree(id, depth) as (
      select id, 0 from ${nodes} where id = ${id}
      union all
      select n.id, tree.depth + 1 from ${nodes} n join tree on n.parent_id = tree.id
      where tree.depth < ${WALK_LIMIT}
    )`;
}

/**
 * How many levels the subtree under `id` reaches below it (0 for a file or an empty folder). Only
 * its folders are walked: a folder holding a file reaches one level further, which one probe of
 * its children tells, so a folder of 100,000 files costs one row, not 100,000.
 */
export async function subtreeHeight(db: Queryable, id: string): Promise<number> {
  const result = await db.execute(sql`
    with recursive folders(id, depth) as (
      select id, 0 from ${nodes} where id = ${id} and kind = 'folder'
      union all
      select n.id, folders.depth + 1 from ${nodes} n join folders on n.parent_id = folders.id
      where n.kind = 'folder' and folders.depth < ${WALK_LIMIT}
    )
    select coalesce(max(case
      when exists (select 1 from ${nodes} c where c.parent_id = folders.id and c.kind = 'file') then depth + 1
      else depth end), 0)::int as height
    from folders`);
  return rowsOf<{ height: number }>(result)[0]?.height ?? 0;
}

/**
 * Deletes the node and everything under it, and answers what the statement actually deleted: a
 * purge that lost a race deletes nothing and so refunds nothing.
 */
export async function deleteSubtree(
  db: Queryable,
  id: string,
): Promise<{ ids: string[]; blobKeys: string[]; storedBytes: number }> {
  const result = await db.execute(sql`
    ${subtreeOf(id)},
    gone as (
      delete from ${nodes} where id in (select id from tree)
      returning id, blob_key, stored_size
    )
    select id, blob_key, stored_size from gone`);
  const ids: string[] = [];
  const blobKeys: string[] = [];
  let storedBytes = 0;
  for (const row of rowsOf<{ id: string; blob_key: string | null; stored_size: string | number | null }>(
    result,
  )) {
    ids.push(row.id);
    if (row.blob_key !== null) blobKeys.push(row.blob_key);
    storedBytes += Number(row.stored_size ?? 0);
  }
  return { ids, blobKeys, storedBytes };
}

/** The ids of the owner's nodes that are in the trash themselves (not only under a trashed folder). */
export async function trashedIds(db: Queryable, ownerId: string): Promise<string[]> {
  const rows = await db.select({ id: nodes.id }).from(nodes).where(trashedOf(ownerId));
  return rows.map((row) => row.id);
}

export {
  FOLDERS_FIRST,
  type Page,
  type PageReader,
  pageOfNodes,
  pageOfNodesAsJson,
  type SortKey,
} from './nodes.page-queries.ts';

export const liveChildrenOf = (parentId: string) =>
  and(eq(nodes.parentId, parentId), isNull(nodes.trashedAt)) as SQL;
export const trashedOf = (ownerId: string) =>
  and(eq(nodes.ownerId, ownerId), isNotNull(nodes.trashedAt)) as SQL;

/** Of these blob keys, the ones some node points at. */
export async function referencedBlobKeys(db: Queryable, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const rows = await db.select({ key: nodes.blobKey }).from(nodes).where(inArray(nodes.blobKey, keys));
  return new Set(rows.flatMap((row) => (row.key === null ? [] : [row.key])));
}

export interface TreeEntry {
  id: string;
  parentId: string | null;
  kind: 'folder' | 'file';
  name: string;
  blobKey: string | null;
  encoding: 'identity' | 'gzip' | null;
}

/** The folder and everything live under it (what is in the trash, and below it, left out). */
export async function liveTree(db: Queryable, folderId: string): Promise<TreeEntry[]> {
  const result = await db.execute(sql`
    with recursive tree(id, depth) as (
      select id, 0 from ${nodes} where id = ${folderId}
      union all
      select n.id, tree.depth + 1 from ${nodes} n join tree on n.parent_id = tree.id
      where n.trashed_at is null and tree.depth < ${WALK_LIMIT}
    )
    select n.id, n.parent_id, n.kind, n.name, n.blob_key, n.encoding
    from ${nodes} n join tree on n.id = tree.id`);
  return rowsOf<{
    id: string;
    parent_id: string | null;
    kind: 'folder' | 'file';
    name: string;
    blob_key: string | null;
    encoding: 'identity' | 'gzip' | null;
  }>(result).map((row) => ({
    id: row.id,
    parentId: row.parent_id,
    kind: row.kind,
    name: row.name,
    blobKey: row.blob_key,
    encoding: row.encoding,
  }));
}

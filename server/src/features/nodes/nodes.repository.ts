import { and, eq, inArray, isNotNull, isNull, type SQL, sql } from 'drizzle-orm';
import type { Queryable } from '../../platform/database/database.ts';
import { type NodeRow, nodes } from './nodes.table.ts';

export type NewNode = typeof nodes.$inferInsert;

/** The rows of a raw query; node-postgres and PGlite both answer `{ rows }`. */
function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}

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
    .set({ ...changes, updatedAt: sql`now()` })
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
): Promise<Pick<NodeRow, 'id' | 'parentId' | 'trashedAt'>[]> {
  const result = await db.execute(sql`
    with recursive chain(id, parent_id, trashed_at, depth) as (
      select id, parent_id, trashed_at, 0 from ${nodes} where id = ${id}
      union all
      select n.id, n.parent_id, n.trashed_at, chain.depth + 1
      from ${nodes} n join chain on n.id = chain.parent_id
    )
    select id, parent_id, trashed_at from chain order by depth`);
  return rowsOf<{ id: string; parent_id: string | null; trashed_at: string | Date | null }>(result).map(
    (row) => ({
      id: row.id,
      parentId: row.parent_id,
      trashedAt: row.trashed_at === null ? null : new Date(row.trashed_at),
    }),
  );
}

/** Every node in the subtree under `id` (itself included), with what deleting them frees. */
export async function subtree(
  db: Queryable,
  id: string,
): Promise<{ ids: string[]; blobKeys: string[]; storedBytes: number }> {
  const result = await db.execute(sql`
    with recursive tree(id) as (
      select id from ${nodes} where id = ${id}
      union all
      select n.id from ${nodes} n join tree on n.parent_id = tree.id
    )
    select n.id, n.blob_key, n.stored_size from ${nodes} n join tree on n.id = tree.id`);
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

export async function deleteNode(db: Queryable, id: string) {
  // Descendants go with it: parent_id references nodes(id) on delete cascade.
  await db.delete(nodes).where(eq(nodes.id, id));
}

export interface SortKey {
  expression: SQL;
  direction: 'asc' | 'desc';
  /** The SQL type a cursor value is cast back to. */
  type: 'int' | 'bigint' | 'text' | 'timestamptz' | 'uuid';
}

/**
 * One page of nodes matching `where`, ordered by `keys` (the last key must be unique), after the
 * row whose key values are `after`. Returns the rows and the key values of the last one.
 */
export async function pageOfNodes(
  db: Queryable,
  where: SQL,
  keys: SortKey[],
  after: string[] | undefined,
  limit: number,
): Promise<{ rows: NodeRow[]; last: string[] | undefined; more: boolean }> {
  const conditions = [where];
  if (after !== undefined) conditions.push(afterCondition(keys, after));
  const keyColumns = Object.fromEntries(
    keys.map((key, i) => [`k${i}`, sql<string>`(${key.expression})::text`]),
  );
  const rows = await db
    .select({ node: nodes, ...keyColumns })
    .from(nodes)
    .where(and(...conditions))
    .orderBy(...keys.map((key) => sql`${key.expression} ${sql.raw(key.direction)}`))
    .limit(limit + 1);
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  const lastRow = page.at(-1) as Record<string, unknown> | undefined;
  return {
    rows: page.map((row) => row.node),
    last: lastRow === undefined ? undefined : keys.map((_, i) => String(lastRow[`k${i}`])),
    more,
  };
}

/** (k0, k1, …) after (v0, v1, …) in the keys' own directions, spelled out since the directions may differ. */
function afterCondition(keys: SortKey[], values: string[]): SQL {
  const value = (i: number) => sql`cast(${values[i]} as ${sql.raw(keys[i]?.type ?? 'text')})`;
  const alternatives = keys.map((key, i) => {
    const equalBefore = keys.slice(0, i).map((earlier, j) => sql`${earlier.expression} = ${value(j)}`);
    const beyond = sql`${key.expression} ${sql.raw(key.direction === 'asc' ? '>' : '<')} ${value(i)}`;
    return and(...equalBefore, beyond) as SQL;
  });
  return sql`(${sql.join(alternatives, sql` or `)})`;
}

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
    with recursive tree(id) as (
      select id from ${nodes} where id = ${folderId}
      union all
      select n.id from ${nodes} n join tree on n.parent_id = tree.id where n.trashed_at is null
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

import { and, eq, inArray, isNotNull, isNull, type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
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

export interface SortKey {
  expression: SQL;
  direction: 'asc' | 'desc';
  /** The SQL type a cursor value is cast back to. */
  type: 'int' | 'bigint' | 'text' | 'timestamptz' | 'uuid';
}

/** Folders before files, whatever the order: 0 for a folder, 1 for a file. */
export const FOLDERS_FIRST: SortKey = {
  expression: sql`(${nodes.kind} = 'file')::int`,
  direction: 'asc',
  type: 'int',
};

/** One page of nodes, and where the next one starts. */
export interface Page<T> {
  items: T;
  /** The key values of the page's last row (when there is more). */
  last: string[] | undefined;
  more: boolean;
}

export type PageReader<T> = (
  db: Queryable,
  where: SQL,
  keys: SortKey[],
  after: string[] | undefined,
  limit: number,
) => Promise<Page<T>>;

const orderBy = (keys: SortKey[]) =>
  sql.join(
    keys.map((key) => sql`${key.expression} ${sql.raw(key.direction)}`),
    sql`, `,
  );

/**
 * The rows of one page of nodes matching `where` in the order of `keys`, after the row whose key
 * values are `after`, at most `limit`, with `columns`. When the order starts with FOLDERS_FIRST,
 * folders and files are read apart, each in the order of the other keys, so that an index on
 * (parent_id, kind, …those keys) hands each its first rows without sorting the whole folder.
 */
function pageRows(where: SQL, keys: SortKey[], after: string[] | undefined, limit: number, columns: SQL) {
  const read = (kindKeys: SortKey[], kindAfter: string[] | undefined, kind?: 'folder' | 'file') => {
    const conditions = [where];
    if (kind !== undefined) conditions.push(eq(nodes.kind, kind));
    if (kindAfter !== undefined) conditions.push(afterCondition(kindKeys, kindAfter));
    return sql`(select ${columns} from ${nodes} where ${and(...conditions)} order by ${orderBy(kindKeys)} limit ${limit})`;
  };
  const [first, ...rest] = keys;
  if (first !== FOLDERS_FIRST) return read(keys, after);
  // The cursor's first value says which kind it stopped in: that kind goes on after it, files
  // after the folders start from their first, folders after the files are done.
  const parts = (['folder', 'file'] as const).flatMap((kind, flag) => {
    const at = after === undefined ? undefined : Number(after[0]);
    if (at !== undefined && flag < at) return [];
    return [read(rest, at === flag ? after?.slice(1) : undefined, kind)];
  });
  return sql.join(parts, sql` union all `);
}

/** A timestamp as JavaScript's toISOString writes it, which is how the API writes every time. */
const isoTime = (column: AnyPgColumn) =>
  sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/**
 * A node as the API answers it: the Node schema's fields in its order (what toApiNode and the
 * schema's serialiser make of a row), written by PostgreSQL as compact JSON.
 */
const nodeJson = sql`(select row_to_json(api) from (select
  ${nodes.id} as "id", ${nodes.kind} as "kind", ${nodes.name} as "name", ${nodes.parentId} as "parentId",
  ${nodes.size} as "size", ${nodes.storedSize} as "storedSize", ${nodes.encoding} as "encoding",
  ${nodes.contentType} as "contentType", ${nodes.sha256} as "sha256",
  ${isoTime(nodes.createdAt)} as "createdAt", ${isoTime(nodes.updatedAt)} as "updatedAt",
  ${isoTime(nodes.trashedAt)} as "trashedAt") api)`;

/**
 * One page of nodes matching `where`, ordered by `keys` (the last key must be unique), after the
 * row whose key values are `after`, as the API answers it: the nodes' JSON objects joined by
 * commas, ready to go between the brackets of an array. PostgreSQL writes the JSON and joins the
 * page in one row, so a page of a thousand nodes costs the API one string instead of a thousand
 * rows to parse, map and serialise.
 */
export const pageOfNodesAsJson: PageReader<string> = async (db, where, keys, after, limit) => {
  const keyValues = sql.join(
    keys.map((key, i) => sql`${key.expression} as k${sql.raw(String(i))}`),
    sql`, `,
  );
  const columns = sql`${nodeJson}::text as node, ${keyValues}`;
  // The keys again, by the names the rows carry them under.
  const named = keys.map((key, i) => ({ ...key, expression: sql.raw(`k${i}`) }));
  const order = orderBy(named);
  const keysJson = sql.join(
    named.map((key) => sql`(${key.expression})::text`),
    sql`, `,
  );
  // The window numbers the rows in the page's order, so that the aggregates below keep it.
  const result = await db.execute(sql`
    with page as (
      select node, json_build_array(${keysJson})::text as keys, row_number() over (order by ${order}) as position
      from (${pageRows(where, keys, after, limit + 1, columns)}) rows
      order by ${order}
      limit ${limit + 1}
    )
    select
      coalesce(string_agg(node, ',' order by position) filter (where position <= ${limit}), '') as json,
      count(*) > ${limit} as more,
      max(keys) filter (where position = ${limit}) as last
    from page`);
  const [row] = rowsOf<{ json: string; more: boolean; last: string | null }>(result);
  return {
    items: row?.json ?? '',
    last: row?.last == null ? undefined : (JSON.parse(row.last) as string[]),
    more: row?.more ?? false,
  };
};

/**
 * One page of nodes matching `where`, as rows (for answers the API's JSON doesn't fit, WebDAV's):
 * the page's ids and keys in order, then the rows of those ids.
 */
export const pageOfNodes: PageReader<NodeRow[]> = async (db, where, keys, after, limit) => {
  const keyValues = sql.join(
    keys.map((key, i) => sql`${key.expression} as k${sql.raw(String(i))}`),
    sql`, `,
  );
  const named = keys.map((key, i) => ({ ...key, expression: sql.raw(`k${i}`) }));
  const keysJson = sql.join(
    named.map((key) => sql`(${key.expression})::text`),
    sql`, `,
  );
  const result = await db.execute(sql`
    select id, json_build_array(${keysJson})::text as keys
    from (${pageRows(where, keys, after, limit + 1, sql`${nodes.id} as id, ${keyValues}`)}) rows
    order by ${orderBy(named)}
    limit ${limit + 1}`);
  const page = rowsOf<{ id: string; keys: string }>(result);
  const ids = page.slice(0, limit).map((row) => row.id);
  const rows = ids.length === 0 ? [] : await db.select().from(nodes).where(inArray(nodes.id, ids));
  const byId = new Map(rows.map((row) => [row.id, row]));
  const last = page[ids.length - 1];
  return {
    items: ids.flatMap((id) => byId.get(id) ?? []),
    last: last === undefined ? undefined : (JSON.parse(last.keys) as string[]),
    more: page.length > limit,
  };
};

/**
 * (k0, k1, …) after (v0, v1, …) in the keys' own directions: a row comparison when they all go
 * one way (which an index on the keys starts from), else spelled out.
 */
function afterCondition(keys: SortKey[], values: string[]): SQL {
  const value = (i: number) => sql`cast(${values[i]} as ${sql.raw(keys[i]?.type ?? 'text')})`;
  const direction = keys[0]?.direction;
  if (keys.every((key) => key.direction === direction)) {
    const row = (items: SQL[]) => sql`(${sql.join(items, sql`, `)})`;
    return sql`${row(keys.map((key) => key.expression))} ${sql.raw(direction === 'asc' ? '>' : '<')} ${row(keys.map((_, i) => value(i)))}`;
  }
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

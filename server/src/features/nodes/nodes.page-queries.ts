import { and, eq, getTableColumns, type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { type Queryable, rowsOf } from '../../platform/database/database.ts';
import { type NodeRow, nodes } from './nodes.table.ts';

/**
 * Pages of nodes in a listing's order, after a cursor: the queries behind a folder's listing, the
 * trash, and WebDAV's PROPFIND, read from the indexes in their order without sorting a folder.
 */

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

/** Every column of a node, by the name NodeRow gives it, and which of them are times. */
const rowColumns = Object.entries(getTableColumns(nodes));
const timeColumns = rowColumns
  .filter(([, column]) => column.columnType === 'PgTimestamp')
  .map(([key]) => key);

/**
 * Every column of a node (read off the table, so a new column comes along by itself), named as
 * NodeRow names them and with its times as toISOString writes them, as compact JSON: what a page of
 * rows is read as.
 */
const rowJson = sql`(select row_to_json(node) from (select ${sql.join(
  rowColumns.map(
    ([key, column]) => sql`${timeColumns.includes(key) ? isoTime(column) : column} as ${sql.identifier(key)}`,
  ),
  sql`, `,
)}) node)`;

/**
 * One page of nodes matching `where`, ordered by `keys` (the last key must be unique), after the
 * row whose key values are `after`, each node as `json` makes it: the objects joined by commas,
 * ready to go between the brackets of an array. PostgreSQL writes the JSON and joins the page in
 * one row, so a page of a thousand nodes costs one string instead of a thousand rows to parse.
 */
const pageAsJson =
  (json: SQL): PageReader<string> =>
  async (db, where, keys, after, limit) => {
    const keyValues = sql.join(
      keys.map((key, i) => sql`${key.expression} as k${sql.raw(String(i))}`),
      sql`, `,
    );
    const columns = sql`${json}::text as node, ${keyValues}`;
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

/** A page of nodes as the API answers them (the Node schema's JSON), joined by commas. */
export const pageOfNodesAsJson = pageAsJson(nodeJson);

const pageOfRowsAsJson = pageAsJson(rowJson);

/**
 * One page of nodes matching `where`, as rows (for answers the API's JSON doesn't fit: WebDAV's),
 * in one query: the page comes as one JSON string, parsed at once, its times made dates.
 */
export const pageOfNodes: PageReader<NodeRow[]> = async (db, where, keys, after, limit) => {
  const page = await pageOfRowsAsJson(db, where, keys, after, limit);
  const rows = JSON.parse(`[${page.items}]`) as Record<string, unknown>[];
  for (const row of rows) {
    for (const key of timeColumns) if (row[key] !== null) row[key] = new Date(row[key] as string);
  }
  return { ...page, items: rows as unknown as NodeRow[] };
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

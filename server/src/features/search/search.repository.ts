import { and, desc, eq, isNull, type SQL, sql } from 'drizzle-orm';
import { type Queryable, rowsOf } from '../../platform/database/database.ts';
import { nodeMembers } from '../members/members.table.ts';
import { type NodeRow, nodes, WALK_LIMIT } from '../nodes/nodes.table.ts';
import { contentTypeIs, type FileType } from './search.types.ts';
import { nodeStars } from './stars.table.ts';

/** A name as search compares it: accents dropped, lower case (the migration's fileshare_fold). */
const fold = (value: SQL | string) => sql`fileshare_fold(${value})`;
const foldedName = fold(sql`${nodes.name}`);

/** `text` as a LIKE pattern that matches it literally. */
const literal = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export interface SearchFilters {
  kind?: 'file' | 'folder';
  type?: FileType;
  modifiedAfter?: Date;
  minSize?: number;
}

/** Where the previous page ended: the last hit's rank, time and id. */
export interface SearchCursor {
  rank: number;
  updatedAt: Date;
  id: string;
}

export type Hit = NodeRow & { rank: number };

/** A user's own nodes, and the nodes of everyone who shared something with them. */
const reachableBy = (userId: string) =>
  sql`(${nodes.ownerId} = ${userId} or exists (select 1 from ${nodeMembers}
    where ${nodeMembers.userId} = ${userId} and ${nodeMembers.ownerId} = ${nodes.ownerId}))`;

/**
 * Nodes whose name holds every word, not in the trash themselves (folders above them are the
 * caller's to check), ranked: the exact name, then names starting with the query, then the
 * rest; the most recently changed first within each.
 *
 * Each rank is its own query, newest first, asked only while the page is not full. That lets the
 * planner walk the nodes newest first (nodes_live_recent_idx) while matches are many, and take
 * them from the name indexes (trigram or folded btree) and sort them while they are few, instead
 * of fetching every match of a common word to rank them all.
 */
export async function matchingNodes(
  db: Queryable,
  userId: string,
  words: string[],
  filters: SearchFilters,
  after: SearchCursor | undefined,
  limit: number,
): Promise<Hit[]> {
  const phrase = fold(words.join(' '));
  const prefix = sql`${foldedName} like ${fold(literal(words.join(' ')))} || '%'`;
  const everyWord = words.map((word) => sql`${foldedName} like '%' || ${fold(literal(word))} || '%'`);
  // A name that is or starts with the query holds every word: saying so again would only make
  // the planner multiply the words' frequencies and take a common prefix for a rare one.
  const ranks: SQL[][] = [
    [sql`${foldedName} = ${phrase}`],
    [prefix, sql`${foldedName} <> ${phrase}`],
    [...everyWord, sql`not (${prefix})`],
  ];
  const conditions: SQL[] = [
    isNull(nodes.trashedAt),
    sql`${nodes.parentId} is not null`,
    reachableBy(userId),
  ];
  if (filters.kind !== undefined) conditions.push(eq(nodes.kind, filters.kind));
  if (filters.type !== undefined) conditions.push(contentTypeIs(filters.type));
  if (filters.modifiedAfter !== undefined)
    conditions.push(sql`${nodes.updatedAt} > ${filters.modifiedAfter}`);
  if (filters.minSize !== undefined) conditions.push(sql`${nodes.size} >= ${filters.minSize}`);
  const hits: Hit[] = [];
  for (const [rank, matches] of ranks.entries()) {
    if (hits.length >= limit) break;
    if (after !== undefined && rank < after.rank) continue;
    const rankConditions = [...conditions, ...matches];
    if (after !== undefined && rank === after.rank)
      rankConditions.push(sql`(${nodes.updatedAt}, ${nodes.id}) < (${after.updatedAt}, ${after.id}::uuid)`);
    const rows = await db
      .select()
      .from(nodes)
      .where(and(...rankConditions))
      .orderBy(desc(nodes.updatedAt), desc(nodes.id))
      .limit(limit - hits.length);
    hits.push(...rows.map((row) => ({ ...row, rank })));
  }
  return hits;
}

/** The user's own files, not in the trash themselves, most recently changed first. */
export async function recentFiles(
  db: Queryable,
  userId: string,
  after: { updatedAt: Date; id: string } | undefined,
  limit: number,
): Promise<NodeRow[]> {
  const conditions = [eq(nodes.ownerId, userId), eq(nodes.kind, 'file'), isNull(nodes.trashedAt)];
  if (after !== undefined)
    conditions.push(
      sql`(${nodes.updatedAt} < ${after.updatedAt} or (${nodes.updatedAt} = ${after.updatedAt} and ${nodes.id} < ${after.id}))`,
    );
  return db
    .select()
    .from(nodes)
    .where(and(...conditions))
    .orderBy(desc(nodes.updatedAt), desc(nodes.id))
    .limit(limit);
}

/** What the user starred, most recently starred first, trashed or not (the caller decides). */
export async function starredNodes(
  db: Queryable,
  userId: string,
  after: { updatedAt: Date; id: string } | undefined,
  limit: number,
): Promise<(NodeRow & { starredAt: Date })[]> {
  const conditions = [eq(nodeStars.userId, userId)];
  if (after !== undefined)
    conditions.push(
      sql`(${nodeStars.createdAt} < ${after.updatedAt} or (${nodeStars.createdAt} = ${after.updatedAt} and ${nodeStars.nodeId} < ${after.id}))`,
    );
  const rows = await db
    .select({ node: nodes, starredAt: nodeStars.createdAt })
    .from(nodeStars)
    .innerJoin(nodes, eq(nodes.id, nodeStars.nodeId))
    .where(and(...conditions))
    .orderBy(desc(nodeStars.createdAt), desc(nodeStars.nodeId))
    .limit(limit);
  return rows.map((row) => ({ ...row.node, starredAt: row.starredAt }));
}

export async function star(db: Queryable, userId: string, nodeId: string): Promise<void> {
  await db.insert(nodeStars).values({ userId, nodeId }).onConflictDoNothing();
}

export async function unstar(db: Queryable, userId: string, nodeId: string): Promise<void> {
  await db.delete(nodeStars).where(and(eq(nodeStars.userId, userId), eq(nodeStars.nodeId, nodeId)));
}

export async function starredAmong(db: Queryable, userId: string, nodeIds: string[]): Promise<Set<string>> {
  if (nodeIds.length === 0) return new Set();
  const rows = await db
    .select({ nodeId: nodeStars.nodeId })
    .from(nodeStars)
    .where(and(eq(nodeStars.userId, userId), sql`${nodeStars.nodeId} = any(${sql.param(nodeIds)}::uuid[])`));
  return new Set(rows.map((row) => row.nodeId));
}

/** One link of a node's chain up to its root. */
export interface Link {
  id: string;
  name: string;
  trashedAt: Date | null;
}

/** For each node, its chain: the node, its folder, … up to the root, in one query for them all. */
export async function lineages(db: Queryable, ids: string[]): Promise<Map<string, Link[]>> {
  const chains = new Map<string, Link[]>(ids.map((id) => [id, []]));
  if (ids.length === 0) return chains;
  const result = await db.execute(sql`
    with recursive up(start_id, id, parent_id, name, trashed_at, depth) as (
      select id, id, parent_id, name, trashed_at, 0 from ${nodes} where id = any(${sql.param(ids)}::uuid[])
      union all
      select up.start_id, n.id, n.parent_id, n.name, n.trashed_at, up.depth + 1
      from ${nodes} n join up on n.id = up.parent_id
      where up.depth < ${WALK_LIMIT}
    )
    select start_id, id, name, trashed_at from up order by start_id, depth`);
  const rows = rowsOf<{ start_id: string; id: string; name: string; trashed_at: string | Date | null }>(
    result,
  );
  for (const row of rows)
    chains.get(row.start_id)?.push({
      id: row.id,
      name: row.name,
      trashedAt: row.trashed_at === null ? null : new Date(row.trashed_at),
    });
  return chains;
}

import type { Deps } from '../../deps.ts';
import { badRequest } from '../../shared/errors.ts';
import { isUuid } from '../../shared/ids.ts';
import { databaseFacts } from '../access/access.facts.ts';
import { type AccessFacts, permits, roleOn, userActor } from '../access/access.ts';
import { nodeNotFound } from '../nodes/nodes.errors.ts';
import type { NodesService } from '../nodes/nodes.service.ts';
import type { NodeRow } from '../nodes/nodes.table.ts';
import * as repository from './search.repository.ts';

// How many candidates one round reads, and how many rounds a page may take, before it answers
// what it has (with a cursor past the last candidate read) rather than read on without end.
const ROUND = 200;
const ROUNDS = 10;
const MAX_WORDS = 10;

/** Where a node is, as a search result shows it: the folders to it, from my root or from the share. */
export interface Location {
  /** Null for my own nodes; the owner's id for a node shared with me. */
  ownerId: string | null;
  /** The folders from my root (not included) down to the node's folder; or from the shared node down. */
  path: { id: string; name: string }[];
}

export interface Found {
  node: NodeRow;
  location: Location;
}

/** The words of a query: split on white space, each matched anywhere in a name. */
export function wordsOf(query: string): string[] {
  const words = query.normalize('NFC').split(/\s+/u).filter(Boolean);
  if (words.length === 0) throw badRequest('invalid_query', 'Search for at least one word.');
  if (words.length > MAX_WORDS) throw badRequest('invalid_query', `Search for at most ${MAX_WORDS} words.`);
  return words;
}

export type SearchService = ReturnType<typeof createSearchService>;

export function createSearchService({ database }: Pick<Deps, 'database'>, nodes: NodesService) {
  const { db } = database;

  /**
   * Of these nodes, the ones the user may read, with where they are: out of the trash all the
   * way up, and theirs or under something shared with them. One query for all their chains.
   */
  async function readable<T extends NodeRow>(userId: string, found: T[]): Promise<(Found & { node: T })[]> {
    const chains = await repository.lineages(
      db,
      found.map((node) => node.id),
    );
    const memberships = await databaseFacts(db).memberships(userId);
    const facts: AccessFacts = {
      lineage: async (id) => (chains.get(id) ?? []).map((link) => link.id),
      memberships: async () => memberships,
    };
    const results: (Found & { node: T })[] = [];
    for (const node of found) {
      const chain = chains.get(node.id) ?? [];
      if (chain.length === 0 || chain.some((link) => link.trashedAt !== null)) continue;
      if (permits(await roleOn(userActor(userId), node, facts), 'read') !== 'allowed') continue;
      results.push({ node, location: locate(userId, node, chain, memberships) });
    }
    return results;
  }

  return {
    /**
     * Nodes whose names hold every word of the query, ignoring case and accents, that the user
     * may read; ranked exact, prefix, substring, then newest. Reads candidates in rounds until
     * the page is full, so a page stays whole when some candidates turn out trashed above.
     */
    async search(
      userId: string,
      query: string,
      filters: repository.SearchFilters,
      after: repository.SearchCursor | undefined,
      limit: number,
    ) {
      const words = wordsOf(query);
      return pageThrough(
        after,
        limit,
        (from) => repository.matchingNodes(db, userId, words, filters, from, ROUND),
        (found) => readable(userId, found),
        (hit) => ({ rank: hit.rank, updatedAt: hit.updatedAt, id: hit.id }),
      );
    },

    /** My files, newest change first. */
    async recent(userId: string, after: { updatedAt: Date; id: string } | undefined, limit: number) {
      return pageThrough(
        after,
        limit,
        (from) => repository.recentFiles(db, userId, from, ROUND),
        (found) => readable(userId, found),
        (node) => ({ updatedAt: node.updatedAt, id: node.id }),
      );
    },

    /** What I starred that I may still read and is out of the trash, most recently starred first. */
    async starred(userId: string, after: { updatedAt: Date; id: string } | undefined, limit: number) {
      return pageThrough(
        after,
        limit,
        (from) => repository.starredNodes(db, userId, from, ROUND),
        (found) => readable(userId, found),
        (node) => ({ updatedAt: node.starredAt, id: node.id }),
      );
    },

    /** Stars a node the user may read (404 otherwise); starring twice is starring once. */
    async star(userId: string, nodeId: string) {
      const node = await nodes.find(nodeId);
      if (node === undefined || (await readable(userId, [node])).length === 0) throw nodeNotFound();
      await repository.star(db, userId, node.id);
    },

    async unstar(userId: string, nodeId: string) {
      if (isUuid(nodeId)) await repository.unstar(db, userId, nodeId);
    },

    starredAmong: (userId: string, nodeIds: string[]) => repository.starredAmong(db, userId, nodeIds),
  };
}

/**
 * Reads rounds of candidates in their order and keeps the readable ones until the page is full
 * or the rounds run out. The next page starts after the page's last item, or, when the rounds ran
 * out first, after the last candidate read.
 */
async function pageThrough<T extends NodeRow, C>(
  after: C | undefined,
  limit: number,
  read: (from: C | undefined) => Promise<T[]>,
  keep: (found: T[]) => Promise<(Found & { node: T })[]>,
  cursorOf: (node: T) => C,
) {
  const items: (Found & { node: T })[] = [];
  let cursor = after;
  let more = true;
  for (let round = 0; round < ROUNDS && items.length <= limit && more; round++) {
    const candidates = await read(cursor);
    more = candidates.length === ROUND;
    const last = candidates.at(-1);
    if (last !== undefined) cursor = cursorOf(last);
    items.push(...(await keep(candidates)));
  }
  const page = items.slice(0, limit);
  const end = items.length > limit ? page.at(-1)?.node : undefined;
  const next = end !== undefined ? cursorOf(end) : more ? cursor : undefined;
  return { items: page, next };
}

/** Where a node is for this user: its folders from their root, or from the node shared with them. */
function locate(
  userId: string,
  node: NodeRow,
  chain: repository.Link[],
  memberships: ReadonlyMap<string, unknown>,
): Location {
  // chain: the node, its folder, …, the root. The folders between, top down:
  const folders = chain.slice(1).reverse();
  if (node.ownerId === userId)
    return { ownerId: null, path: folders.slice(1).map(({ id, name }) => ({ id, name })) };
  const entry = folders.findIndex((link) => memberships.has(link.id));
  const from = entry === -1 ? folders.length : entry;
  return { ownerId: node.ownerId, path: folders.slice(from).map(({ id, name }) => ({ id, name })) };
}

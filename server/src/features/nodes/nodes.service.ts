import type { Deps } from '../../deps.ts';
import type { Queryable } from '../../platform/database/database.ts';
import { cachedFacts } from '../access/access.facts.ts';
import type { UsersService } from '../users/users.service.ts';
import { createNodeCache } from './nodes.cache.ts';
import { createNodeChanges } from './nodes.changes.ts';
import { createNodeReads } from './nodes.reads.ts';
import * as defaultRepository from './nodes.repository.ts';
import type { NodeRow } from './nodes.table.ts';
import { createTree } from './nodes.tree.ts';

export type { ConflictPolicy, RecordedFile, StoredContent, WorkGuard } from './nodes.changes.ts';
export type { PageRequest, SortField } from './nodes.pages.ts';
export type { Reached, TreeWork } from './nodes.tree.ts';
export type NodesRepository = typeof defaultRepository;

export type NodesService = ReturnType<typeof createNodesService>;

/**
 * The folder tree of every user: reads (nodes.reads.ts), changes (nodes.changes.ts), each change
 * one unit of work on a tree (nodes.tree.ts). Every id a request names is decided on by the one
 * access check, for the owner and for whoever the node is shared with.
 */
export function createNodesService(
  deps: Pick<Deps, 'database' | 'cache' | 'clock'>,
  users: UsersService,
  repository: NodesRepository = defaultRepository,
) {
  const { db } = deps.database;
  const cached = createNodeCache(deps.cache);
  const tree = createTree(deps, users, repository, cached);
  return {
    inTree: tree.inTree,
    liveFolderIn: tree.liveFolderIn,
    ownerOf: tree.ownerOf,
    nodeIn: tree.nodeIn,
    /** Whether the node is out of the trash, and so is every folder above it. */
    isLive: async (node: NodeRow, tx: Queryable = db) => (await tree.liveDepth(tx, node)) !== undefined,
    ...createNodeReads(db, repository, cached, cachedFacts(db, deps.cache), tree),
    ...createNodeChanges(deps, users, repository, tree),
  };
}

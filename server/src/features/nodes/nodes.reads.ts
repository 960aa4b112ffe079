import type { SQL } from 'drizzle-orm';
import type { Database, Queryable } from '../../platform/database/database.ts';
import { encodeCursor } from '../../shared/cursors.ts';
import { isUuid } from '../../shared/ids.ts';
import { type AccessFacts, type Action, type Actor, enforce, permits } from '../access/access.ts';
import { archiveEntriesOf } from './nodes.archive.ts';
import type { createNodeCache } from './nodes.cache.ts';
import { fileNotFound, folderNotFound, nameTaken, nodeNotFound } from './nodes.errors.ts';
import { decodePageCursor, type PageRequest, sortKeys } from './nodes.pages.ts';
import type * as defaultRepository from './nodes.repository.ts';
import type { NodeRow } from './nodes.table.ts';
import type { Reached, Tree } from './nodes.tree.ts';

/**
 * What the tree answers outside a unit of work: nodes, listings, what a zip holds. Nodes and pages
 * come from the cache; whether the actor may read them is decided on cached memberships.
 */
export function createNodeReads(
  db: Database,
  repository: typeof defaultRepository,
  cached: ReturnType<typeof createNodeCache>,
  facts: AccessFacts,
  tree: Tree,
) {
  /** The node (`root`: the actor's own top folder) and what the actor is to it; undefined when it is nothing. */
  async function reached(actor: Actor, id: string): Promise<Reached | undefined> {
    let node: NodeRow | undefined;
    if (id === 'root') node = actor.kind === 'user' ? await tree.root(actor.userId) : undefined;
    else if (isUuid(id)) node = await cached.node(id, () => repository.findNode(db, id));
    const role = node === undefined ? undefined : await tree.reach(actor, node, facts, db);
    return node === undefined || role === undefined ? undefined : { node, role };
  }

  /** A live folder the actor may do `action` in; 404 (or 403 when they may only look). */
  async function liveFolder(actor: Actor, id: string, action: Action = 'read'): Promise<NodeRow> {
    const found = await reached(actor, id);
    const folder = found?.node;
    if (folder === undefined || folder.kind !== 'folder' || (await tree.liveDepth(db, folder)) === undefined)
      throw folderNotFound();
    enforce(permits(found?.role, action), folderNotFound);
    return folder;
  }

  async function page<T>(read: defaultRepository.PageReader<T>, where: SQL, request: PageRequest) {
    const keys = sortKeys(request.sort, request.order);
    const after = request.cursor === undefined ? undefined : decodePageCursor(request.cursor, keys);
    const result = await read(db, where, keys, after, request.limit);
    return {
      items: result.items,
      nextCursor: result.more && result.last !== undefined ? encodeCursor(result.last) : null,
    };
  }

  /** A page of a folder's live children, as the API answers them (from the cache when it holds it). */
  const children = (folderId: string, request: PageRequest) =>
    cached.childrenPage(folderId, request, () =>
      page(repository.pageOfNodesAsJson, repository.liveChildrenOf(folderId), request),
    );

  /** What a zip of these nodes holds: every live file and folder under them, with its path. */
  const archiveOf = (tops: NodeRow[]) =>
    archiveEntriesOf(tops, (folderId) => repository.liveTree(db, folderId));

  return {
    reached,
    liveFolder,
    children,
    archiveOf,

    /**
     * Plain reads for what decides access itself through access.ts (share links, search): a node
     * by id (cached; inside a unit of work, `tx`'s), and its chain up to the root.
     */
    async find(id: string, tx?: Queryable): Promise<NodeRow | undefined> {
      if (!isUuid(id)) return undefined;
      return tx === undefined
        ? cached.node(id, () => repository.findNode(db, id))
        : repository.findNode(tx, id);
    },
    lineage: (id: string, tx: Queryable = db) => repository.ancestry(tx, id),

    /**
     * The nodes a path of names walks from the actor's own root (the root first, then the live
     * child each name is in the one before), as far as the path goes and the actor reaches: one
     * read for the whole path.
     */
    async pathFromRoot(actor: Actor, names: string[]): Promise<NodeRow[]> {
      if (actor.kind !== 'user') return [];
      const walked: NodeRow[] = [];
      for (const node of await repository.livePath(db, actor.userId, names)) {
        if ((await tree.reach(actor, node, facts, db)) === undefined) break;
        walked.push(node);
      }
      return walked;
    },

    /** A page of a folder's live children as rows, uncached (the caller reached the folder). */
    childRows: (folderId: string, request: PageRequest) =>
      page(repository.pageOfNodes, repository.liveChildrenOf(folderId), request),

    /** 409 up front when the folder already holds something with this (normalised) name. */
    async assertNameFree(folderId: string, name: string) {
      if ((await repository.findLiveChild(db, folderId, name)) !== undefined) throw nameTaken(name);
    },

    /** A node the actor may read (its owner: trashed or not); 404 otherwise. */
    async getNode(actor: Actor, id: string): Promise<NodeRow> {
      const found = await reached(actor, id);
      if (found === undefined) throw nodeNotFound();
      return found.node;
    },

    async getFile(actor: Actor, id: string): Promise<NodeRow> {
      const found = id === 'root' ? undefined : await reached(actor, id);
      if (found === undefined || found.node.kind !== 'file') throw fileNotFound();
      return found.node;
    },

    async listFolder(actor: Actor, id: string, request: PageRequest) {
      const folder = await liveFolder(actor, id);
      // As JSON: a folder of a thousand files is one string to send, not a thousand rows to map.
      return { folder, ...(await children(folder.id, request)) };
    },

    listTrash: (ownerId: string, request: PageRequest) =>
      page(repository.pageOfNodesAsJson, repository.trashedOf(ownerId), request),

    /**
     * What a download of these nodes as one archive holds: every live file and folder under them,
     * with its path. Each id must be one the actor may read and not in the trash, or it is a 404.
     */
    async archiveEntries(actor: Actor, ids: string[]) {
      const tops: NodeRow[] = [];
      for (const id of ids) {
        const node = (await reached(actor, id))?.node;
        if (node === undefined || node.parentId === null || (await tree.liveDepth(db, node)) === undefined)
          throw nodeNotFound();
        tops.push(node);
      }
      return archiveOf(tops);
    },

    /** Of these blob keys, the ones a node points at (for the garbage collector). */
    referencedBlobKeys: (keys: string[]) => repository.referencedBlobKeys(db, keys),

    /** Every top-level id in the trash, for emptying it. */
    trashedIds: (ownerId: string) => repository.trashedIds(db, ownerId),
  };
}

import type { SQL } from 'drizzle-orm';
import type { Deps } from '../../deps.ts';
import { sqlState, type Transaction, UNIQUE_VIOLATION } from '../../platform/database/database.ts';
import { lockTree } from '../../platform/database/locks.ts';
import { isUuid } from '../../shared/ids.ts';
import { alternativeName, normaliseNodeName, splitExtension } from '../../shared/names.ts';
import { userActor, visibleTo } from '../access/access.ts';
import type { UsersService } from '../users/users.service.ts';
import { archiveEntriesOf } from './nodes.archive.ts';
import { createNodeCache } from './nodes.cache.ts';
import {
  fileNotFound,
  folderNotFound,
  moveIntoItself,
  nameTaken,
  nodeNotFound,
  notInTrash,
  rootIsFixed,
  treeTooDeep,
} from './nodes.errors.ts';
import { decodeCursor, encodeCursor, type PageRequest, sortKeys } from './nodes.pages.ts';
import * as defaultRepository from './nodes.repository.ts';
import type { NodeRow } from './nodes.table.ts';

export type { PageRequest, SortField } from './nodes.pages.ts';
export type ConflictPolicy = 'fail' | 'rename' | 'replace';
export type NodesRepository = typeof defaultRepository;

/** A file's content, written to the blob store and ready to be recorded as a node. */
export interface StoredContent {
  blobKey: string;
  size: number;
  storedSize: number;
  /** Null when the content went straight to the store and nobody declared it. */
  sha256: string | null;
  contentType: string;
  encoding: 'identity' | 'gzip';
}

/**
 * One unit of work on an owner's tree: a transaction that holds the tree's lock, so what it reads
 * stays true until it commits, and what the change makes stale in the cache, dropped once it has.
 */
export interface TreeWork {
  readonly tx: Transaction;
  readonly ownerId: string;
  /** Nodes whose cached copies the change makes stale. */
  readonly changedNodes: Set<string>;
  /** Folders whose list of children the change alters. */
  readonly changedFolders: Set<string>;
  /** Set when the change charged or refunded the owner's storage. */
  storageChanged: boolean;
}

export interface RecordedFile {
  node: NodeRow;
  /** The blob the file had before, when it replaced one: to delete once the change has committed. */
  replacedBlobKey: string | undefined;
  created: boolean;
}

export type NodesService = ReturnType<typeof createNodesService>;

export function createNodesService(
  { database, cache, clock }: Pick<Deps, 'database' | 'cache' | 'clock'>,
  users: UsersService,
  repository: NodesRepository = defaultRepository,
) {
  const { db } = database;
  const cached = createNodeCache(cache);

  /**
   * Runs `work` as one unit of work on the owner's tree, and drops what it changed from the cache
   * once it has committed. A name that turns out taken is a 409.
   */
  async function inTree<T>(ownerId: string, name: string | undefined, work: (w: TreeWork) => Promise<T>) {
    const changes = {
      changedNodes: new Set<string>(),
      changedFolders: new Set<string>(),
      storageChanged: false,
    };
    let result: T;
    try {
      result = await db.transaction(async (tx) => {
        await lockTree(tx, ownerId);
        return work(Object.assign(changes, { tx: tx as Transaction, ownerId }));
      });
    } catch (error) {
      if (name !== undefined && sqlState(error) === UNIQUE_VIOLATION) throw nameTaken(name);
      throw error;
    }
    await cached.forgetNodes(changes.changedNodes);
    await cached.forgetChildren(changes.changedFolders);
    if (changes.storageChanged) await users.forgetUser(ownerId);
    return result;
  }

  /** The node with this id if it belongs to `ownerId`; someone else's node is "not found", like a missing one. */
  async function findOwned(ownerId: string, id: string): Promise<NodeRow | undefined> {
    if (!isUuid(id)) return undefined;
    const node = await cached.node(id, () => repository.findNode(db, id));
    return visibleTo(userActor(ownerId), node, 'read');
  }

  /** The same, read inside a unit of work: what a change decides on is never a cached copy. */
  async function ownedIn(w: TreeWork, id: string): Promise<NodeRow | undefined> {
    if (!isUuid(id)) return undefined;
    return visibleTo(userActor(w.ownerId), await repository.findNode(w.tx, id), 'write');
  }

  /** How deep a live node is (0 for the root), or undefined when it or a folder above it is in the trash. */
  async function liveDepth(tx: Transaction | typeof db, node: NodeRow): Promise<number | undefined> {
    if (node.trashedAt !== null) return undefined;
    if (node.parentId === null) return 0;
    const chain = await repository.ancestry(tx, node.parentId);
    return chain.every((ancestor) => ancestor.trashedAt === null) ? chain.length : undefined;
  }

  async function root(ownerId: string, tx: Transaction | typeof db = db): Promise<NodeRow> {
    const node = await repository.findRoot(tx, ownerId);
    if (node === undefined) throw new Error(`user ${ownerId} has no root folder`);
    return node;
  }

  /** A folder the user can put things in: theirs, not in the trash. `root` names their top folder. */
  async function liveFolder(ownerId: string, id: string): Promise<NodeRow> {
    const folder = id === 'root' ? await root(ownerId) : await findOwned(ownerId, id);
    if (folder === undefined || folder.kind !== 'folder' || (await liveDepth(db, folder)) === undefined)
      throw folderNotFound();
    return folder;
  }

  /** The same inside a unit of work, with its depth; the folder can't go away until the work commits. */
  async function liveFolderIn(w: TreeWork, id: string): Promise<{ folder: NodeRow; depth: number }> {
    const folder = id === 'root' ? await root(w.ownerId, w.tx) : await ownedIn(w, id);
    const depth = folder?.kind === 'folder' ? await liveDepth(w.tx, folder) : undefined;
    if (folder === undefined || depth === undefined) throw folderNotFound();
    return { folder, depth };
  }

  /** `name`, or the first "name (n)" not in use in the folder. */
  async function freeName(tx: Transaction, parentId: string, name: string): Promise<string> {
    if ((await repository.findLiveChild(tx, parentId, name)) === undefined) return name;
    // Alternatives may shorten a long stem, so gather every sibling sharing a short prefix of it.
    const prefix = Array.from(splitExtension(name)[0]).slice(0, 16).join('');
    const taken = await repository.liveNamesStartingWith(tx, parentId, prefix);
    for (let n = 2; ; n++) {
      const candidate = alternativeName(name, n);
      if (!taken.has(candidate)) return candidate;
    }
  }

  async function page<T>(read: defaultRepository.PageReader<T>, where: SQL, request: PageRequest) {
    const keys = sortKeys(request.sort, request.order);
    const after = request.cursor === undefined ? undefined : decodeCursor(request.cursor, keys);
    const result = await read(db, where, keys, after, request.limit);
    return {
      items: result.items,
      nextCursor: result.more && result.last !== undefined ? encodeCursor(result.last) : null,
    };
  }

  /**
   * Records a file whose blob is already complete inside a unit of work, charging its storage
   * there (blob first, metadata last). Replacing charges the difference from the replaced row as
   * it is under the tree's lock, never from an earlier read.
   */
  async function recordFile(
    w: TreeWork,
    parentId: string,
    rawName: string,
    onConflict: ConflictPolicy,
    content: StoredContent,
  ): Promise<RecordedFile> {
    const name = normaliseNodeName(rawName);
    const { folder, depth } = await liveFolderIn(w, parentId);
    if (depth + 1 > repository.MAX_TREE_DEPTH) throw treeTooDeep(repository.MAX_TREE_DEPTH);
    const existing = await repository.findLiveChild(w.tx, folder.id, name);
    if (existing !== undefined && (onConflict === 'fail' || existing.kind === 'folder'))
      throw nameTaken(name);
    w.changedFolders.add(folder.id);
    w.storageChanged = true;
    if (existing !== undefined && onConflict === 'replace') {
      await users.chargeStorage(w.tx, w.ownerId, content.storedSize - (existing.storedSize ?? 0));
      const node = await repository.updateNode(w.tx, existing.id, { ...content });
      if (node === undefined) throw nodeNotFound();
      w.changedNodes.add(node.id);
      return { node, replacedBlobKey: existing.blobKey ?? undefined, created: false };
    }
    const finalName = existing === undefined ? name : await freeName(w.tx, folder.id, name);
    await users.chargeStorage(w.tx, w.ownerId, content.storedSize);
    const node = await repository.insertNode(w.tx, {
      ownerId: w.ownerId,
      parentId: folder.id,
      kind: 'file',
      name: finalName,
      ...content,
    });
    w.changedNodes.add(node.id);
    return { node, replacedBlobKey: undefined, created: true };
  }

  return {
    findOwned,
    liveFolder,
    liveFolderIn,
    inTree,
    recordFile,

    /** 409 up front when the folder already holds something with this name. */
    async assertNameFree(folderId: string, rawName: string) {
      const name = normaliseNodeName(rawName);
      if ((await repository.findLiveChild(db, folderId, name)) !== undefined) throw nameTaken(name);
    },

    async createRootFolder(tx: Transaction, ownerId: string) {
      return repository.insertNode(tx, { ownerId, parentId: null, kind: 'folder', name: '' });
    },

    /** Any of the user's nodes, trashed or not; 404 otherwise. */
    async getNode(ownerId: string, id: string): Promise<NodeRow> {
      const node = id === 'root' ? await root(ownerId) : await findOwned(ownerId, id);
      if (node === undefined) throw nodeNotFound();
      return node;
    },

    async getFile(ownerId: string, id: string): Promise<NodeRow> {
      const node = await findOwned(ownerId, id);
      if (node === undefined || node.kind !== 'file') throw fileNotFound();
      return node;
    },

    async listFolder(ownerId: string, id: string, request: PageRequest) {
      const folder = await liveFolder(ownerId, id);
      // As JSON: a folder of a thousand files is one string to send, not a thousand rows to map.
      const children = await cached.childrenPage(folder.id, request, () =>
        page(repository.pageOfNodesAsJson, repository.liveChildrenOf(folder.id), request),
      );
      return { folder, ...children };
    },

    async createFolder(ownerId: string, parentId: string, rawName: string) {
      const name = normaliseNodeName(rawName);
      return inTree(ownerId, name, async (w) => {
        const { folder: parent, depth } = await liveFolderIn(w, parentId);
        if (depth + 1 > repository.MAX_TREE_DEPTH) throw treeTooDeep(repository.MAX_TREE_DEPTH);
        if ((await repository.findLiveChild(w.tx, parent.id, name)) !== undefined) throw nameTaken(name);
        w.changedFolders.add(parent.id);
        return repository.insertNode(w.tx, { ownerId, parentId: parent.id, kind: 'folder', name });
      });
    },

    /**
     * Renames and/or moves a node. The ancestry check and the write happen under the tree's lock,
     * so two opposite moves at once can't both pass the check and build a cycle.
     */
    async update(ownerId: string, id: string, changes: { name?: string; parentId?: string }) {
      const newName = changes.name === undefined ? undefined : normaliseNodeName(changes.name);
      return inTree(ownerId, newName, async (w) => {
        const node = await ownedIn(w, id);
        if (node === undefined || node.trashedAt !== null) throw nodeNotFound();
        if (node.parentId === null) throw rootIsFixed();
        const name = newName ?? node.name;
        let parentId = node.parentId;
        if (changes.parentId !== undefined) {
          const { folder: target, depth } = await liveFolderIn(w, changes.parentId);
          if (node.kind === 'folder') {
            const chain = await repository.ancestry(w.tx, target.id);
            if (chain.some((ancestor) => ancestor.id === node.id)) throw moveIntoItself();
          }
          if (target.id !== node.parentId) {
            const height = node.kind === 'folder' ? await repository.subtreeHeight(w.tx, node.id) : 0;
            if (depth + 1 + height > repository.MAX_TREE_DEPTH) throw treeTooDeep(repository.MAX_TREE_DEPTH);
          }
          parentId = target.id;
        }
        if (name !== node.name || parentId !== node.parentId) {
          const taken = await repository.findLiveChild(w.tx, parentId, name);
          if (taken !== undefined && taken.id !== node.id) throw nameTaken(name);
        }
        const updated = await repository.updateNode(w.tx, node.id, { name, parentId });
        if (updated === undefined) throw nodeNotFound();
        w.changedNodes.add(node.id);
        w.changedFolders.add(node.parentId).add(parentId);
        return updated;
      });
    },

    /** Moves a node (and with it everything under it) to the trash. */
    async trash(ownerId: string, id: string) {
      return inTree(ownerId, undefined, async (w) => {
        const node = await ownedIn(w, id);
        if (node === undefined || node.trashedAt !== null) throw nodeNotFound();
        if (node.parentId === null) throw rootIsFixed();
        const updated = await repository.updateNode(w.tx, node.id, { trashedAt: clock.now() });
        w.changedNodes.add(node.id);
        w.changedFolders.add(node.parentId);
        return updated;
      });
    },

    listTrash: (ownerId: string, request: PageRequest) =>
      page(repository.pageOfNodesAsJson, repository.trashedOf(ownerId), request),

    /**
     * Takes a node out of the trash, back into its folder, or into the root when that folder is
     * gone to the trash too; under "name (n)" when its name has been taken since.
     */
    async restore(ownerId: string, id: string) {
      return inTree(ownerId, undefined, async (w) => {
        const node = await ownedIn(w, id);
        if (node === undefined || node.trashedAt === null || node.parentId === null) throw notInTrash();
        const parent = await repository.findNode(w.tx, node.parentId);
        const parentId =
          parent !== undefined && (await liveDepth(w.tx, parent)) !== undefined
            ? parent.id
            : (await root(ownerId, w.tx)).id;
        const name = await freeName(w.tx, parentId, node.name);
        const restored = await repository.updateNode(w.tx, node.id, { parentId, name, trashedAt: null });
        if (restored === undefined) throw notInTrash();
        w.changedNodes.add(node.id);
        w.changedFolders.add(parentId);
        return restored;
      });
    },

    /**
     * Deletes a trashed node and everything under it for good, and refunds exactly what the delete
     * removed. Answers the blobs to delete once it has committed.
     */
    async purge(ownerId: string, id: string): Promise<string[]> {
      return inTree(ownerId, undefined, async (w) => {
        const node = await ownedIn(w, id);
        if (node === undefined || node.trashedAt === null) throw notInTrash();
        const removed = await repository.deleteSubtree(w.tx, node.id);
        await users.chargeStorage(w.tx, ownerId, -removed.storedBytes);
        for (const removedId of removed.ids) w.changedNodes.add(removedId);
        if (node.parentId !== null) w.changedFolders.add(node.parentId);
        w.storageChanged = true;
        return removed.blobKeys;
      });
    },

    /**
     * What a download of these nodes as one archive holds: every live file and folder under them,
     * with its path. Each id must be the user's and not in the trash, or it is a 404.
     */
    async archiveEntries(ownerId: string, ids: string[]) {
      const tops: NodeRow[] = [];
      for (const id of ids) {
        const node = await findOwned(ownerId, id);
        if (node === undefined || node.parentId === null || (await liveDepth(db, node)) === undefined)
          throw nodeNotFound();
        tops.push(node);
      }
      return archiveEntriesOf(tops, (folderId) => repository.liveTree(db, folderId));
    },

    /** Of these blob keys, the ones a node points at (for the garbage collector). */
    referencedBlobKeys: (keys: string[]) => repository.referencedBlobKeys(db, keys),

    /** Every top-level id in the trash, for emptying it. */
    trashedIds: (ownerId: string) => repository.trashedIds(db, ownerId),

    /**
     * Records a file whose blob is already complete as its own unit of work (blob first, metadata
     * last). Returns the node and the blob it displaced, if it replaced one.
     */
    commitFile: (
      ownerId: string,
      parentId: string,
      rawName: string,
      onConflict: ConflictPolicy,
      content: StoredContent,
    ): Promise<RecordedFile> =>
      inTree(ownerId, normaliseNodeName(rawName), (w) =>
        recordFile(w, parentId, rawName, onConflict, content),
      ),
  };
}

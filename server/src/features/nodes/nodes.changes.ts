import type { Deps } from '../../deps.ts';
import { normaliseNodeName } from '../../shared/names.ts';
import { type Actor, userActor } from '../access/access.ts';
import type { UsersService } from '../users/users.service.ts';
import {
  folderNotFound,
  moveIntoItself,
  nameTaken,
  nodeNotFound,
  notInTrash,
  rootIsFixed,
  sharedNodeIsFixed,
  treeTooDeep,
} from './nodes.errors.ts';
import type * as defaultRepository from './nodes.repository.ts';
import type { NodeRow } from './nodes.table.ts';
import type { Tree, TreeWork } from './nodes.tree.ts';

export type ConflictPolicy = 'fail' | 'rename' | 'replace';

/**
 * A caller's own check (WebDAV's locks), made first in a change's unit of work, under the tree's
 * lock: it decides with the change, and throwing refuses it with nothing written.
 */
export type WorkGuard = (w: TreeWork) => Promise<void>;

/** A file's content, written to the blob store and ready to be recorded as a node. */
export interface StoredContent {
  blobKey: string;
  size: number;
  storedSize: number;
  /** Null when the content went straight to the store and nobody declared it. */
  sha256: string | null;
  contentType: string;
  encoding: 'identity' | 'gzip';
  /** The file's modification time as the client has it (WebDAV's X-OC-Mtime); now otherwise. */
  updatedAt?: Date;
}

export interface RecordedFile {
  node: NodeRow;
  /** The blob the file had before, when it replaced one: to delete once the change has committed. */
  replacedBlobKey: string | undefined;
  created: boolean;
}

/**
 * Every change to a tree, each one unit of work on the tree of the node it names, decided for the
 * actor inside it. What a member adds belongs to the tree's owner and is charged to them.
 */
export function createNodeChanges(
  { clock }: Pick<Deps, 'clock'>,
  users: UsersService,
  repository: typeof defaultRepository,
  tree: Tree,
) {
  const { inTree, ownerOf, nodeIn, liveFolderIn, liveDepth, root, freeName } = tree;

  /**
   * A node out of the trash that the work's actor may rename, move or trash: not the root, and for
   * a member not what was shared with them itself (what is in it, they may).
   */
  async function changeableIn(w: TreeWork, id: string): Promise<NodeRow & { parentId: string }> {
    const { node, role } = await nodeIn(w, id, 'write', nodeNotFound);
    if (node.trashedAt !== null) throw nodeNotFound();
    if (node.parentId === null) throw rootIsFixed();
    if (role !== 'owner' && w.actor.kind === 'user') {
      if ((await w.facts.memberships(w.actor.userId)).has(node.id)) throw sharedNodeIsFixed();
    }
    return { ...node, parentId: node.parentId };
  }

  /**
   * Records a file whose blob is already complete inside a unit of work, charging the tree's
   * owner there (blob first, metadata last). `name` is normalised. Replacing charges the
   * difference from the replaced row as it is under the tree's lock, never from an earlier read.
   */
  async function recordFile(
    w: TreeWork,
    parentId: string,
    name: string,
    onConflict: ConflictPolicy,
    content: StoredContent,
  ): Promise<RecordedFile> {
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

  /**
   * Records a file whose blob is already complete as its own unit of work on the folder's tree
   * (blob first, metadata last). `name` is normalised.
   */
  async function commitFileAs(
    actor: Actor,
    parentId: string,
    name: string,
    onConflict: ConflictPolicy,
    content: StoredContent,
  ): Promise<RecordedFile> {
    const ownerId = await ownerOf(actor, parentId, folderNotFound);
    return inTree(ownerId, name, (w) => recordFile(w, parentId, name, onConflict, content), actor);
  }

  /** Moves a node of the work's tree (and with it everything under it) to the owner's trash. */
  async function trashIn(w: TreeWork, id: string) {
    const node = await changeableIn(w, id);
    const updated = await repository.updateNode(w.tx, node.id, { trashedAt: clock.now() });
    w.changedNodes.add(node.id);
    w.changedFolders.add(node.parentId);
    return updated;
  }

  /** Takes a node in the trash of the work's owner, and only theirs. */
  async function trashedIn(w: TreeWork, id: string): Promise<NodeRow> {
    // The unit of work is on the owner's own tree, for them: nobody else reaches it.
    const { node } = await nodeIn(w, id, 'write', notInTrash);
    if (node.trashedAt === null) throw notInTrash();
    return node;
  }

  return {
    recordFile,
    commitFileAs,
    trashIn,

    /** The tree's top folder, as the work sees it. */
    rootIn: (w: TreeWork) => root(w.ownerId, w.tx),

    /** The live child of a folder of the work's tree called `name` (normalised), as the work sees it. */
    liveChildIn: (w: TreeWork, folderId: string, name: string) =>
      repository.findLiveChild(w.tx, folderId, name),

    /** The same, for the tree's owner (by id). */
    commitFile: (
      ownerId: string,
      parentId: string,
      rawName: string,
      onConflict: ConflictPolicy,
      content: StoredContent,
    ): Promise<RecordedFile> =>
      commitFileAs(userActor(ownerId), parentId, normaliseNodeName(rawName), onConflict, content),

    async createRootFolder(tx: TreeWork['tx'], ownerId: string) {
      return repository.insertNode(tx, { ownerId, parentId: null, kind: 'folder', name: '' });
    },

    async createFolder(actor: Actor, parentId: string, rawName: string, guard?: WorkGuard) {
      const name = normaliseNodeName(rawName);
      const ownerId = await ownerOf(actor, parentId, folderNotFound);
      return inTree(
        ownerId,
        name,
        async (w) => {
          await guard?.(w);
          const { folder: parent, depth } = await liveFolderIn(w, parentId);
          if (depth + 1 > repository.MAX_TREE_DEPTH) throw treeTooDeep(repository.MAX_TREE_DEPTH);
          if ((await repository.findLiveChild(w.tx, parent.id, name)) !== undefined) throw nameTaken(name);
          w.changedFolders.add(parent.id);
          return repository.insertNode(w.tx, { ownerId, parentId: parent.id, kind: 'folder', name });
        },
        actor,
      );
    },

    /**
     * Renames and/or moves a node, within its own tree, where the actor may write at both ends. The
     * ancestry check and the write happen under the tree's lock, so two opposite moves at once
     * can't both pass the check and build a cycle.
     */
    async update(actor: Actor, id: string, changes: { name?: string; parentId?: string }, guard?: WorkGuard) {
      const newName = changes.name === undefined ? undefined : normaliseNodeName(changes.name);
      const ownerId = await ownerOf(actor, id, nodeNotFound);
      return inTree(
        ownerId,
        newName,
        async (w) => {
          await guard?.(w);
          const node = await changeableIn(w, id);
          const name = newName ?? node.name;
          let parentId = node.parentId;
          if (changes.parentId !== undefined) {
            // `root` is the tree's own top folder: a node never leaves its owner's tree.
            const { folder: target, depth } = await liveFolderIn(w, changes.parentId);
            if (node.kind === 'folder') {
              const chain = await repository.ancestry(w.tx, target.id);
              if (chain.some((ancestor) => ancestor.id === node.id)) throw moveIntoItself();
            }
            if (target.id !== node.parentId) {
              const height = node.kind === 'folder' ? await repository.subtreeHeight(w.tx, node.id) : 0;
              if (depth + 1 + height > repository.MAX_TREE_DEPTH)
                throw treeTooDeep(repository.MAX_TREE_DEPTH);
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
        },
        actor,
      );
    },

    /** Moves a node (and with it everything under it) to its owner's trash. */
    async trash(actor: Actor, id: string, guard?: WorkGuard) {
      const ownerId = await ownerOf(actor, id, nodeNotFound);
      return inTree(
        ownerId,
        undefined,
        async (w) => {
          await guard?.(w);
          return trashIn(w, id);
        },
        actor,
      );
    },

    /**
     * Takes a node out of the owner's trash, back into its folder, or into the root when that
     * folder is gone to the trash too; under "name (n)" when its name has been taken since.
     */
    async restore(ownerId: string, id: string) {
      return inTree(ownerId, undefined, async (w) => {
        const node = await trashedIn(w, id);
        if (node.parentId === null) throw notInTrash();
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
     * Deletes a node in the owner's trash and everything under it for good (its members go with
     * it), and refunds exactly what the delete removed. Answers the blobs to delete once it has
     * committed.
     */
    async purge(ownerId: string, id: string): Promise<string[]> {
      return inTree(ownerId, undefined, async (w) => {
        const node = await trashedIn(w, id);
        const removed = await repository.deleteSubtree(w.tx, node.id);
        await users.chargeStorage(w.tx, ownerId, -removed.storedBytes);
        for (const removedId of removed.ids) w.changedNodes.add(removedId);
        if (node.parentId !== null) w.changedFolders.add(node.parentId);
        w.storageChanged = true;
        return removed.blobKeys;
      });
    },
  };
}

import type { Deps } from '../../deps.ts';
import {
  CommitOutcomeUnknownError,
  isDatabaseUnavailable,
  type Queryable,
  sqlState,
  type Transaction,
  UNIQUE_VIOLATION,
} from '../../platform/database/database.ts';
import { lockTree } from '../../platform/database/locks.ts';
import { isUuid } from '../../shared/ids.ts';
import { alternativeName, splitExtension } from '../../shared/names.ts';
import { databaseFacts } from '../access/access.facts.ts';
import {
  type AccessFacts,
  type Action,
  type Actor,
  enforce,
  permits,
  type Role,
  roleOn,
  userActor,
} from '../access/access.ts';
import { createMembershipCache } from '../members/members.cache.ts';
import type { UsersService } from '../users/users.service.ts';
import type { createNodeCache } from './nodes.cache.ts';
import { folderNotFound, nameTaken } from './nodes.errors.ts';
import type * as defaultRepository from './nodes.repository.ts';
import type { NodeRow } from './nodes.table.ts';

/**
 * One unit of work on an owner's tree: a transaction that holds the tree's lock, so what it reads
 * stays true until it commits, and what the change makes stale in the cache, dropped once it has.
 */
export interface TreeWork {
  readonly tx: Transaction;
  readonly ownerId: string;
  /** Who the change is for: the owner, or a member changing the owner's tree. */
  readonly actor: Actor;
  /** What the access check reads: the transaction's view, never a cached copy. */
  readonly facts: AccessFacts;
  /** Nodes whose cached copies the change makes stale. */
  readonly changedNodes: Set<string>;
  /** Folders whose list of children the change alters. */
  readonly changedFolders: Set<string>;
  /** Users whose memberships the change alters. */
  readonly changedMembers: Set<string>;
  /** Set when the change charged or refunded the owner's storage. */
  storageChanged: boolean;
}

/** A node the actor reached, and what they are to it. */
export interface Reached {
  node: NodeRow;
  role: Role;
}

/** The unit of work on a tree, and what a change reads inside one. */
export function createTree(
  { database, cache }: Pick<Deps, 'database' | 'cache'>,
  users: UsersService,
  repository: typeof defaultRepository,
  cached: ReturnType<typeof createNodeCache>,
) {
  const { db } = database;
  const memberships = createMembershipCache(cache);

  /**
   * Runs `work` as one unit of work on the owner's tree for `actor` (the owner unless given), and
   * drops what it changed from the cache once it has committed. A name that turns out taken is a 409.
   */
  async function inTree<T>(
    ownerId: string,
    name: string | undefined,
    work: (w: TreeWork) => Promise<T>,
    actor: Actor = userActor(ownerId),
  ) {
    const changes = {
      changedNodes: new Set<string>(),
      changedFolders: new Set<string>(),
      changedMembers: new Set<string>(),
      storageChanged: false,
    };
    let result: T;
    let workDone = false;
    try {
      result = await db.transaction(async (tx) => {
        await lockTree(tx, ownerId);
        const facts = databaseFacts(tx);
        const done = await work(Object.assign(changes, { tx: tx as Transaction, ownerId, actor, facts }));
        workDone = true;
        return done;
      });
    } catch (error) {
      if (name !== undefined && sqlState(error) === UNIQUE_VIOLATION) throw nameTaken(name);
      // Failing before its COMMIT, the work was rolled back; failing at it, nobody knows, so what
      // it changed is forgotten as if it had committed (forgetting more than needed costs a read).
      if (workDone && isDatabaseUnavailable(error)) {
        // The error to tell is that one: the caller keeps what a committed change points at.
        await forget(ownerId, changes).catch(() => {});
        throw new CommitOutcomeUnknownError(error);
      }
      throw error;
    }
    await forget(ownerId, changes);
    return result;
  }

  /** Drops from the cache what a unit of work changed. */
  async function forget(ownerId: string, changes: Omit<TreeWork, 'tx' | 'ownerId' | 'actor' | 'facts'>) {
    await cached.forgetNodes(changes.changedNodes);
    await cached.forgetChildren(changes.changedFolders);
    await memberships.forget(changes.changedMembers);
    if (changes.storageChanged) await users.forgetUser(ownerId);
  }

  /** How deep a live node is (0 for the root), or undefined when it or a folder above it is in the trash. */
  async function liveDepth(tx: Queryable, node: NodeRow): Promise<number | undefined> {
    if (node.trashedAt !== null) return undefined;
    if (node.parentId === null) return 0;
    const chain = await repository.ancestry(tx, node.parentId);
    return chain.every((ancestor) => ancestor.trashedAt === null) ? chain.length : undefined;
  }

  async function root(ownerId: string, tx: Queryable = db): Promise<NodeRow> {
    const node = await repository.findRoot(tx, ownerId);
    if (node === undefined) throw new Error(`user ${ownerId} has no root folder`);
    return node;
  }

  /**
   * What the actor is to the node, when it is anything: only the owner reaches what is in the
   * trash (or under a folder in it).
   */
  async function reach(actor: Actor, node: NodeRow, facts: AccessFacts, tx: Queryable) {
    const role = await roleOn(actor, node, facts);
    if (role === undefined) return undefined;
    if (role !== 'owner' && (await liveDepth(tx, node)) === undefined) return undefined;
    return role;
  }

  /**
   * Whose tree the node (`root`: the actor's own top folder) is in, to take that tree's lock. Read
   * from the cache: a node never moves from one tree to another. Whether the actor may touch the
   * node is decided inside the unit of work.
   */
  async function ownerOf(actor: Actor, id: string, notFound: () => Error): Promise<string> {
    if (id === 'root') {
      if (actor.kind === 'user') return actor.userId;
      throw notFound();
    }
    const node = isUuid(id) ? await cached.node(id, () => repository.findNode(db, id)) : undefined;
    if (node === undefined) throw notFound();
    return node.ownerId;
  }

  /** The node in the work's tree, if the work's actor may do `action` to it: 404 or 403 otherwise. */
  async function nodeIn(w: TreeWork, id: string, action: Action, notFound: () => Error): Promise<Reached> {
    const node = isUuid(id) ? await repository.findNode(w.tx, id) : undefined;
    if (node === undefined || node.ownerId !== w.ownerId) throw notFound();
    const role = await reach(w.actor, node, w.facts, w.tx);
    enforce(permits(role, action), notFound);
    return { node, role: role as Role };
  }

  /**
   * A live folder of the work's tree that the work's actor may do `action` in, with its depth; it
   * can't go away until the work commits. `root` names the tree's top folder.
   */
  async function liveFolderIn(
    w: TreeWork,
    id: string,
    action: Action = 'write',
  ): Promise<{ folder: NodeRow; depth: number }> {
    const folder = id === 'root' ? await root(w.ownerId, w.tx) : await repository.findNode(w.tx, id);
    const depth =
      folder?.kind === 'folder' && folder.ownerId === w.ownerId ? await liveDepth(w.tx, folder) : undefined;
    if (folder === undefined || depth === undefined) throw folderNotFound();
    enforce(permits(await roleOn(w.actor, folder, w.facts), action), folderNotFound);
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

  return { inTree, liveDepth, root, reach, ownerOf, nodeIn, liveFolderIn, freeName };
}

export type Tree = ReturnType<typeof createTree>;

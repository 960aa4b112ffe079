import { randomUUID } from 'node:crypto';
import { type SQL, sql } from 'drizzle-orm';
import type { Deps } from '../../deps.ts';
import { type Queryable, sqlState, UNIQUE_VIOLATION } from '../../platform/database/database.ts';
import { alternativeName, normaliseNodeName, splitExtension } from '../../shared/names.ts';
import type { UsersService } from '../users/users.service.ts';
import {
  fileNotFound,
  folderNotFound,
  invalidCursor,
  moveIntoItself,
  nameTaken,
  nodeNotFound,
  notInTrash,
  rootIsFixed,
} from './nodes.errors.ts';
import * as repository from './nodes.repository.ts';
import { type NodeRow, nodes } from './nodes.table.ts';

const NODE_TTL_SECONDS = 300;
const nodeKey = (id: string) => `node:${id}`;
// Pages of a folder's children are cached under the folder's children version; a write to the
// folder drops the version, and with it every page cached under it, whatever its sort or cursor.
const CHILDREN_TTL_SECONDS = 300;
const childrenVersionKey = (folderId: string) => `children-version:${folderId}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type SortField = 'name' | 'size' | 'updatedAt' | 'createdAt';
export type ConflictPolicy = 'fail' | 'rename' | 'replace';

export interface PageRequest {
  cursor?: string;
  limit: number;
  sort: SortField;
  order: 'asc' | 'desc';
}

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

export type NodesService = ReturnType<typeof createNodesService>;

function sortKeys(sort: SortField, order: 'asc' | 'desc'): repository.SortKey[] {
  // Folders first whatever the order, then the chosen field, then enough to make the order total.
  const foldersFirst: repository.SortKey = {
    expression: sql`(${nodes.kind} = 'file')::int`,
    direction: 'asc',
    type: 'int',
  };
  const byName = (direction: 'asc' | 'desc'): repository.SortKey[] => [
    { expression: sql`lower(${nodes.name})`, direction, type: 'text' },
    { expression: sql`${nodes.name}`, direction, type: 'text' },
  ];
  const byId: repository.SortKey = { expression: sql`${nodes.id}`, direction: order, type: 'uuid' };
  switch (sort) {
    case 'name':
      return [foldersFirst, ...byName(order), byId];
    case 'size':
      return [
        foldersFirst,
        { expression: sql`coalesce(${nodes.size}, 0)`, direction: order, type: 'bigint' },
        ...byName('asc'),
        byId,
      ];
    case 'updatedAt':
      return [
        foldersFirst,
        { expression: sql`${nodes.updatedAt}`, direction: order, type: 'timestamptz' },
        byId,
      ];
    case 'createdAt':
      return [
        foldersFirst,
        { expression: sql`${nodes.createdAt}`, direction: order, type: 'timestamptz' },
        byId,
      ];
  }
}

function encodeCursor(values: string[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

// A timestamptz as PostgreSQL writes it as text (the ISO DateStyle it uses unless told otherwise).
const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2}) ([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?[+-](0\d|1[0-5])(:[0-5]\d){0,2}$/;
const INTEGER = /^-?\d{1,19}$/;
const INTEGER_RANGE: Record<'int' | 'bigint', bigint> = { int: 2n ** 31n, bigint: 2n ** 63n };

/** Whether a value from a cursor casts to its sort key's SQL type (else the query would fail). */
function castsTo(type: repository.SortKey['type'], value: string): boolean {
  switch (type) {
    case 'uuid':
      return UUID.test(value);
    case 'text':
      return !value.includes('\u0000') && value.isWellFormed();
    case 'int':
    case 'bigint': {
      if (!INTEGER.test(value)) return false;
      const n = BigInt(value);
      return n >= -INTEGER_RANGE[type] && n < INTEGER_RANGE[type];
    }
    case 'timestamptz': {
      const [, year, month, day] = (TIMESTAMP.exec(value) ?? []).map(Number);
      if (year === undefined || month === undefined || day === undefined) return false;
      // A date that exists (no 30 February); years below 100 don't round-trip, and none is stored.
      const date = new Date(Date.UTC(year, month - 1, day));
      return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
    }
  }
}

/** The key values a cursor carries, if it is one this server could have issued for these keys. */
function decodeCursor(cursor: string, keys: repository.SortKey[]): string[] {
  try {
    const values: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(values) &&
      values.length === keys.length &&
      values.every((v, i) => typeof v === 'string' && castsTo(keys[i]?.type ?? 'uuid', v))
    ) {
      return values;
    }
  } catch {}
  throw invalidCursor();
}

export function createNodesService(
  { database, cache, clock }: Pick<Deps, 'database' | 'cache' | 'clock'>,
  users: UsersService,
) {
  const { db } = database;

  async function forget(...ids: string[]) {
    await cache.delete(...ids.map(nodeKey));
  }

  /** After a write that adds, removes or changes children of these folders (once it has committed). */
  async function forgetChildren(...folderIds: (string | null)[]) {
    await cache.delete(...folderIds.flatMap((id) => (id === null ? [] : [childrenVersionKey(id)])));
  }

  /**
   * The key of a page of the folder's children. A version is set before the page is read from the
   * database, so a page read before a write is only ever stored under a version the write dropped.
   */
  async function childrenPageKey(folderId: string, request: PageRequest) {
    let version = await cache.get<string>(childrenVersionKey(folderId));
    if (version === undefined) {
      version = randomUUID();
      await cache.set(childrenVersionKey(folderId), version, CHILDREN_TTL_SECONDS);
    }
    const { sort, order, limit, cursor = '' } = request;
    return `children:${folderId}:${version}:${sort}:${order}:${limit}:${cursor}`;
  }

  /** The node with this id if it belongs to `ownerId`; someone else's node is "not found", like a missing one. */
  async function findOwned(ownerId: string, id: string): Promise<NodeRow | undefined> {
    if (!UUID.test(id)) return undefined;
    let node = await cache.get<NodeRow>(nodeKey(id));
    if (node === undefined) {
      node = await repository.findNode(db, id);
      if (node === undefined) return undefined;
      await cache.set(nodeKey(id), node, NODE_TTL_SECONDS);
    }
    return node.ownerId === ownerId ? node : undefined;
  }

  /** True when neither the node nor any folder above it is in the trash. */
  async function isLive(node: NodeRow): Promise<boolean> {
    if (node.trashedAt !== null) return false;
    if (node.parentId === null) return true;
    const chain = await repository.ancestry(db, node.parentId);
    return chain.every((ancestor) => ancestor.trashedAt === null);
  }

  async function root(ownerId: string): Promise<NodeRow> {
    const node = await repository.findRoot(db, ownerId);
    if (node === undefined) throw new Error(`user ${ownerId} has no root folder`);
    return node;
  }

  /** A folder the user can put things in: theirs, not in the trash. `root` names their top folder. */
  async function liveFolder(ownerId: string, id: string): Promise<NodeRow> {
    const folder = id === 'root' ? await root(ownerId) : await findOwned(ownerId, id);
    if (folder === undefined || folder.kind !== 'folder' || !(await isLive(folder))) throw folderNotFound();
    return folder;
  }

  /** `name`, or the first "name (n)" not in use in the folder. */
  async function freeName(tx: Queryable, parentId: string, name: string): Promise<string> {
    if ((await repository.findLiveChild(tx, parentId, name)) === undefined) return name;
    // Alternatives may shorten a long stem, so gather every sibling sharing a short prefix of it.
    const prefix = Array.from(splitExtension(name)[0]).slice(0, 16).join('');
    const taken = await repository.liveNamesStartingWith(tx, parentId, prefix);
    for (let n = 2; ; n++) {
      const candidate = alternativeName(name, n);
      if (!taken.has(candidate)) return candidate;
    }
  }

  async function withNameCheck<T>(name: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (sqlState(error) === UNIQUE_VIOLATION) throw nameTaken(name);
      throw error;
    }
  }

  async function page<T>(read: repository.PageReader<T>, where: SQL, request: PageRequest) {
    const keys = sortKeys(request.sort, request.order);
    const after = request.cursor === undefined ? undefined : decodeCursor(request.cursor, keys);
    const result = await read(db, where, keys, after, request.limit);
    return {
      items: result.items,
      nextCursor: result.more && result.last !== undefined ? encodeCursor(result.last) : null,
    };
  }

  return {
    findOwned,
    liveFolder,
    forget,

    /** 409 up front when the folder already holds something with this name. */
    async assertNameFree(folderId: string, rawName: string) {
      const name = normaliseNodeName(rawName);
      if ((await repository.findLiveChild(db, folderId, name)) !== undefined) throw nameTaken(name);
    },

    async createRootFolder(tx: Queryable, ownerId: string) {
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
      const key = await childrenPageKey(folder.id, request);
      let children = await cache.get<{ items: string; nextCursor: string | null }>(key);
      if (children === undefined) {
        children = await page(repository.pageOfNodesAsJson, repository.liveChildrenOf(folder.id), request);
        await cache.set(key, children, CHILDREN_TTL_SECONDS);
      }
      return { folder, ...children };
    },

    async createFolder(ownerId: string, parentId: string, rawName: string) {
      const name = normaliseNodeName(rawName);
      const parent = await liveFolder(ownerId, parentId);
      const created = await withNameCheck(name, () =>
        repository.insertNode(db, { ownerId, parentId: parent.id, kind: 'folder', name }),
      );
      await forgetChildren(parent.id);
      return created;
    },

    /** Renames and/or moves a node. */
    async update(ownerId: string, id: string, changes: { name?: string; parentId?: string }) {
      const node = await findOwned(ownerId, id);
      if (node === undefined || node.trashedAt !== null) throw nodeNotFound();
      if (node.parentId === null) throw rootIsFixed();
      const name = changes.name === undefined ? node.name : normaliseNodeName(changes.name);
      let parentId = node.parentId;
      if (changes.parentId !== undefined) {
        const target = await liveFolder(ownerId, changes.parentId);
        if (node.kind === 'folder') {
          const chain = await repository.ancestry(db, target.id);
          if (chain.some((ancestor) => ancestor.id === node.id)) throw moveIntoItself();
        }
        parentId = target.id;
      }
      const updated = await withNameCheck(name, () => repository.updateNode(db, node.id, { name, parentId }));
      await forget(node.id);
      await forgetChildren(node.parentId, parentId);
      if (updated === undefined) throw nodeNotFound();
      return updated;
    },

    /** Moves a node (and with it everything under it) to the trash. */
    async trash(ownerId: string, id: string) {
      const node = await findOwned(ownerId, id);
      if (node === undefined || node.trashedAt !== null) throw nodeNotFound();
      if (node.parentId === null) throw rootIsFixed();
      const updated = await repository.updateNode(db, node.id, { trashedAt: clock.now() });
      await forget(node.id);
      await forgetChildren(node.parentId);
      return updated;
    },

    listTrash: (ownerId: string, request: PageRequest) =>
      page(repository.pageOfNodesAsJson, repository.trashedOf(ownerId), request),

    /**
     * Takes a node out of the trash, back into its folder, or into the root when that folder is
     * gone to the trash too; under "name (n)" when its name has been taken since.
     */
    async restore(ownerId: string, id: string) {
      const node = await findOwned(ownerId, id);
      if (node === undefined || node.trashedAt === null || node.parentId === null) throw notInTrash();
      const parent = await repository.findNode(db, node.parentId);
      const parentId = parent !== undefined && (await isLive(parent)) ? parent.id : (await root(ownerId)).id;
      const restored = await db.transaction(async (tx) => {
        const name = await freeName(tx, parentId, node.name);
        return repository.updateNode(tx, node.id, { parentId, name, trashedAt: null });
      });
      await forget(node.id);
      await forgetChildren(parentId);
      if (restored === undefined) throw notInTrash();
      return restored;
    },

    /** Deletes a trashed node and everything under it for good, and frees the storage. */
    async purge(ownerId: string, id: string): Promise<string[]> {
      const node = await findOwned(ownerId, id);
      if (node === undefined || node.trashedAt === null) throw notInTrash();
      const removed = await db.transaction(async (tx) => {
        const tree = await repository.subtree(tx, node.id);
        await repository.deleteNode(tx, node.id);
        await users.chargeStorage(tx, ownerId, -tree.storedBytes);
        return tree;
      });
      await forget(...removed.ids);
      await forgetChildren(node.parentId);
      await users.forgetUser(ownerId);
      return removed.blobKeys;
    },

    /**
     * What a download of these nodes as one archive holds: every live file and folder under them,
     * with its path. Each id must be the user's and not in the trash, or it is a 404.
     */
    async archiveEntries(ownerId: string, ids: string[]) {
      const entries: { path: string; kind: 'folder' | 'file'; blobKey: string | null; gzip: boolean }[] = [];
      const topNames = new Set<string>();
      for (const id of ids) {
        const node = await findOwned(ownerId, id);
        if (node === undefined || node.parentId === null || !(await isLive(node))) throw nodeNotFound();
        // Two selected items with one name (from different folders) get distinct names.
        let top = node.name;
        for (let n = 2; topNames.has(top); n++) top = alternativeName(node.name, n);
        topNames.add(top);
        if (node.kind === 'file') {
          entries.push({ path: top, kind: 'file', blobKey: node.blobKey, gzip: node.encoding === 'gzip' });
          continue;
        }
        const tree = await repository.liveTree(db, node.id);
        const byId = new Map(tree.map((entry) => [entry.id, entry]));
        const paths = new Map<string, string>([[node.id, top]]);
        const pathOf = (entry: repository.TreeEntry): string => {
          let path = paths.get(entry.id);
          if (path === undefined) {
            path = `${pathOf(byId.get(entry.parentId ?? '') as repository.TreeEntry)}/${entry.name}`;
            paths.set(entry.id, path);
          }
          return path;
        };
        for (const entry of tree) {
          entries.push({
            path: pathOf(entry),
            kind: entry.kind,
            blobKey: entry.blobKey,
            gzip: entry.encoding === 'gzip',
          });
        }
      }
      return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    },

    /** Of these blob keys, the ones a node points at (for the garbage collector). */
    referencedBlobKeys: (keys: string[]) => repository.referencedBlobKeys(db, keys),

    /** Every top-level id in the trash, for emptying it. */
    async trashedIds(ownerId: string): Promise<string[]> {
      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        const result = await page(repository.pageOfNodes, repository.trashedOf(ownerId), {
          cursor,
          limit: 500,
          sort: 'name',
          order: 'asc',
        });
        ids.push(...result.items.map((item) => item.id));
        cursor = result.nextCursor ?? undefined;
      } while (cursor !== undefined);
      return ids;
    },

    /**
     * Records a file whose blob is already complete, charging its storage in the same transaction
     * (blob first, metadata last). Returns the node and the blob it displaced, if it replaced one.
     */
    async commitFile(
      ownerId: string,
      parentId: string,
      rawName: string,
      onConflict: ConflictPolicy,
      content: StoredContent,
      /**
       * More writes that must commit or fail together with the node (settling an upload session):
       * `before` runs ahead of the quota charge, `after` once the node is written.
       */
      settle: {
        before?: (tx: Queryable) => Promise<void>;
        after?: (tx: Queryable, node: NodeRow) => Promise<void>;
      } = {},
    ): Promise<{ node: NodeRow; replacedBlobKey: string | undefined; created: boolean }> {
      const name = normaliseNodeName(rawName);
      const result = await withNameCheck(name, () =>
        db.transaction(async (tx) => {
          await settle.before?.(tx);
          const existing = await repository.findLiveChild(tx, parentId, name);
          if (existing !== undefined && (onConflict === 'fail' || existing.kind === 'folder')) {
            throw nameTaken(name);
          }
          if (existing !== undefined && onConflict === 'replace') {
            await users.chargeStorage(tx, ownerId, content.storedSize - (existing.storedSize ?? 0));
            const node = await repository.updateNode(tx, existing.id, { ...content });
            if (node === undefined) throw nodeNotFound();
            await settle.after?.(tx, node);
            return { node, replacedBlobKey: existing.blobKey ?? undefined, created: false };
          }
          const finalName = existing === undefined ? name : await freeName(tx, parentId, name);
          await users.chargeStorage(tx, ownerId, content.storedSize);
          const node = await repository.insertNode(tx, {
            ownerId,
            parentId,
            kind: 'file',
            name: finalName,
            ...content,
          });
          await settle.after?.(tx, node);
          return { node, replacedBlobKey: undefined, created: true };
        }),
      );
      await forget(result.node.id);
      await forgetChildren(parentId);
      await users.forgetUser(ownerId);
      return result;
    },
  };
}

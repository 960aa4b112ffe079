import { randomUUID } from 'node:crypto';
import type { Cache } from '../../platform/cache/cache.ts';
import type { PageRequest } from './nodes.pages.ts';
import type { NodeRow } from './nodes.table.ts';

const NODE_TTL_SECONDS = 300;
const nodeKey = (id: string) => `node:${id}`;
// Pages of a folder's children are cached under the folder's children version; a write to the
// folder drops the version, and with it every page cached under it, whatever its sort or cursor.
const CHILDREN_TTL_SECONDS = 300;
const childrenVersionKey = (folderId: string) => `children-version:${folderId}`;

export interface ChildrenPage {
  items: string;
  nextCursor: string | null;
}

/** What the nodes feature keeps in the cache: nodes by id, and pages of folders' children. */
export function createNodeCache(cache: Cache) {
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

  return {
    node: (id: string, load: () => Promise<NodeRow | undefined>) =>
      cache.load<NodeRow>(nodeKey(id), NODE_TTL_SECONDS, load),

    async childrenPage(folderId: string, request: PageRequest, load: () => Promise<ChildrenPage>) {
      const key = await childrenPageKey(folderId, request);
      const page = await cache.load<ChildrenPage>(key, CHILDREN_TTL_SECONDS, load);
      return page as ChildrenPage;
    },

    /** After a change to these nodes has committed. */
    forgetNodes: (ids: Iterable<string>) => cache.delete(...Array.from(ids, nodeKey)),

    /** After a change that adds, removes or changes children of these folders has committed. */
    forgetChildren: (folderIds: Iterable<string>) =>
      cache.delete(...Array.from(folderIds, childrenVersionKey)),
  };
}

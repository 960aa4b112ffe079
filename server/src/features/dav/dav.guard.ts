import { etagOf } from '../files/downloads.ts';
import type { TreeWork } from '../nodes/nodes.service.ts';
import type { DavRequest } from './dav.context.ts';
import { davLocked, ifFailed } from './dav.errors.ts';
import { type IfList, type IfState, ifHolds, parseIf, submittedTokens } from './dav.if.ts';
import { covers, isUnder, lockPath } from './dav.locks.service.ts';
import type { DavLockRow } from './dav.locks.table.ts';
import { nodeAtIn, pathSegments, resolvePath } from './dav.paths.ts';

/** A path a write changes, and how: with everything under it, and/or as a member of its folder. */
export interface WriteScope {
  segments: string[];
  /** The change reaches what is under the path (a folder deleted or moved). */
  deep?: boolean;
  /**
   * The change adds or removes the path from its folder (a depth-0 lock there protects that); a
   * function is asked only when a lock is on the folder.
   */
  member?: boolean | (() => Promise<boolean>);
}

/** The If header of a request, read; none: no lists. */
export const ifListsOf = (dav: DavRequest): IfList[] => {
  const header = dav.request.headers.if;
  return typeof header === 'string' && header.trim() !== '' ? parseIf(header) : [];
};

/**
 * A resource's state for the If header: the live locks that apply to it and its entity tag, as
 * the unit of work `w` sees it when there is one.
 */
async function stateAt(
  dav: DavRequest,
  locks: DavLockRow[],
  segments: string[] | undefined,
  w: TreeWork | undefined,
): Promise<IfState> {
  if (segments === undefined) return { tokens: new Set(), etag: undefined };
  const path = lockPath(segments);
  const tokens = new Set(locks.filter((lock) => covers(lock, path)).map((lock) => lock.token));
  const node =
    w === undefined
      ? (await resolvePath(dav.services.nodes, dav.actor, segments)).node
      : await nodeAtIn(dav.services.nodes, w, segments);
  return { tokens, etag: node?.kind === 'file' ? etagOf(node) : undefined };
}

/** The names a resource tag of an If header is about (undefined when it is not under /dav/ here). */
function taggedSegments(dav: DavRequest, tag: string): string[] | undefined {
  try {
    const url = new URL(tag, `${dav.request.protocol}://${dav.request.host}`);
    return url.host === dav.request.host ? pathSegments(url.pathname) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The If header must hold (412 otherwise), and every lock on what the write changes must be
 * submitted in it (423 otherwise): each exclusive lock, and one of the shared locks on a path.
 * Decided inside the write's unit of work `w`, under the tree's lock that LOCK takes too, so a
 * lock granted before the write commits is always seen; without `w` it is a first look, which
 * refuses a request before its body is read but decides nothing.
 */
export async function checkWrite(dav: DavRequest, scopes: WriteScope[], w?: TreeWork): Promise<void> {
  const lists = ifListsOf(dav);
  const locks = await dav.services.davLocks.active(dav.user.id, w?.tx);
  if (lists.length > 0) {
    const held = await ifHolds(lists, (tag) =>
      stateAt(dav, locks, tag === undefined ? dav.segments : taggedSegments(dav, tag), w),
    );
    if (!held) throw ifFailed();
  }
  if (locks.length === 0) return;
  const submitted = submittedTokens(lists);
  for (const scope of scopes) {
    const path = lockPath(scope.segments);
    const folder = scope.segments.length > 0 ? lockPath(scope.segments.slice(0, -1)) : undefined;
    const member =
      typeof scope.member === 'function'
        ? locks.some((lock) => lock.path === folder) && (await scope.member())
        : scope.member === true;
    const applying = locks.filter(
      (lock) =>
        covers(lock, path) ||
        (scope.deep === true && isUnder(lock.path, path)) ||
        (member && lock.path === folder),
    );
    for (const lockedPath of new Set(applying.map((lock) => lock.path))) {
      const onPath = applying.filter((lock) => lock.path === lockedPath);
      const exclusive = onPath.filter((lock) => lock.scope === 'exclusive');
      const unsubmitted = exclusive.some((lock) => !submitted.has(lock.token));
      const sharedMissed = exclusive.length === 0 && !onPath.some((lock) => submitted.has(lock.token));
      if (unsubmitted || sharedMissed) throw davLocked();
    }
  }
}

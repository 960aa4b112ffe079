import { randomUUID } from 'node:crypto';
import { and, eq, gt, lte } from 'drizzle-orm';
import type { Deps } from '../../deps.ts';
import type { Queryable } from '../../platform/database/database.ts';
import type { NodesService, TreeWork } from '../nodes/nodes.service.ts';
import { davLocked } from './dav.errors.ts';
import { type DavLockRow, davLocks } from './dav.locks.table.ts';

/** Longest a lock may be asked for (`Infinite` included); a client refreshes it to keep it. */
export const MAX_LOCK_SECONDS = 3600;
/** A lock's time when the client names none. */
export const DEFAULT_LOCK_SECONDS = 600;

export type LockScope = DavLockRow['scope'];
export type LockDepth = DavLockRow['depth'];

/** The key a path's names are kept under: `/` and the names joined by `/`. */
export const lockPath = (segments: readonly string[]) => `/${segments.join('/')}`;

/** Whether `path` is `root` or somewhere under it. */
export const isUnder = (path: string, root: string) =>
  path === root || root === '/' || path.startsWith(`${root}/`);

/** Whether a lock applies to the resource at `path`: on it, or on a folder above it at Depth infinity. */
export const covers = (lock: DavLockRow, path: string) =>
  lock.path === path || (lock.depth === 'infinity' && isUnder(path, lock.path));

/** What a new lock asks for. */
export interface LockRequest {
  path: string;
  scope: LockScope;
  depth: LockDepth;
  owner: string | undefined;
  timeoutSeconds: number;
}

/** The seconds a `Timeout` header asks for (its first usable entry), capped; the default without one. */
export function timeoutOf(header: string | undefined): number {
  for (const entry of (header ?? '').split(',').map((part) => part.trim())) {
    if (entry.toLowerCase() === 'infinite') return MAX_LOCK_SECONDS;
    const match = /^second-(\d+)$/i.exec(entry);
    if (match) return Math.max(1, Math.min(MAX_LOCK_SECONDS, Number(match[1])));
  }
  return DEFAULT_LOCK_SECONDS;
}

/**
 * The WebDAV locks of every user's tree, in the database so that all instances see the same ones.
 * Taking a lock is one unit of work on the user's tree: two clients asking at once are decided one
 * after the other, so at most one exclusive lock is ever granted.
 */
export function createDavLocks({ database, clock }: Pick<Deps, 'database' | 'clock'>, nodes: NodesService) {
  const { db } = database;

  /** The user's locks that haven't expired. */
  async function active(userId: string, tx: Queryable = db): Promise<DavLockRow[]> {
    return tx
      .select()
      .from(davLocks)
      .where(and(eq(davLocks.userId, userId), gt(davLocks.expiresAt, clock.now())));
  }

  const expiry = (seconds: number) => new Date(clock.now().getTime() + seconds * 1000);

  return {
    active,

    /**
     * Grants a new lock, or a 423 when a lock already there (or one under it) conflicts with it.
     * Answers too what `alsoInWork` finds in the same unit of work (whether the path is mapped).
     */
    async take<T>(
      userId: string,
      request: LockRequest,
      alsoInWork: (w: TreeWork) => Promise<T>,
    ): Promise<{ lock: DavLockRow; also: T }> {
      return nodes.inTree(userId, undefined, async (w) => {
        const { tx } = w;
        const conflicting = (await active(userId, tx)).filter(
          (lock) =>
            (covers(lock, request.path) ||
              (request.depth === 'infinity'
                ? isUnder(lock.path, request.path)
                : lock.path === request.path)) &&
            (lock.scope === 'exclusive' || request.scope === 'exclusive'),
        );
        if (conflicting.length > 0) throw davLocked();
        const [lock] = await tx
          .insert(davLocks)
          .values({
            token: `opaquelocktoken:${randomUUID()}`,
            userId,
            ...request,
            owner: request.owner ?? null,
            expiresAt: expiry(request.timeoutSeconds),
          })
          .returning();
        if (lock === undefined) throw new Error('the lock was not recorded');
        return { lock, also: await alsoInWork(w) };
      });
    },

    /** Gives a live lock a new time; undefined when no such lock is live. */
    async refresh(userId: string, token: string, timeoutSeconds: number): Promise<DavLockRow | undefined> {
      const [lock] = await db
        .update(davLocks)
        .set({ timeoutSeconds, expiresAt: expiry(timeoutSeconds) })
        .where(
          and(eq(davLocks.userId, userId), eq(davLocks.token, token), gt(davLocks.expiresAt, clock.now())),
        )
        .returning();
      return lock;
    },

    /** Removes a lock; whether it was there. */
    async release(userId: string, token: string): Promise<boolean> {
      const removed = await db
        .delete(davLocks)
        .where(and(eq(davLocks.userId, userId), eq(davLocks.token, token)))
        .returning({ token: davLocks.token });
      return removed.length > 0;
    },

    /** Drops the locks on a path and under it, in the unit of work that deletes or moves away what was there. */
    async dropUnder(userId: string, path: string, tx: Queryable = db) {
      const under = (await active(userId, tx)).filter((lock) => isUnder(lock.path, path));
      for (const lock of under)
        await tx.delete(davLocks).where(and(eq(davLocks.userId, userId), eq(davLocks.token, lock.token)));
    },

    /** Deletes the locks past their time (they already count for nothing); answers how many. */
    async sweepExpired(dryRun: boolean): Promise<number> {
      const expired = lte(davLocks.expiresAt, clock.now());
      if (dryRun) return (await db.select({ token: davLocks.token }).from(davLocks).where(expired)).length;
      return (await db.delete(davLocks).where(expired).returning({ token: davLocks.token })).length;
    },
  };
}

export type DavLocks = ReturnType<typeof createDavLocks>;

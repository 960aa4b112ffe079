import type { Cache } from '../../platform/cache/cache.ts';
import type { MemberRole } from '../access/access.ts';

const MEMBERSHIPS_TTL_SECONDS = 300;
const membershipsKey = (userId: string) => `memberships:${userId}`;

/**
 * The nodes shared with each user, and as what, cached per user. Every change to a user's
 * memberships drops their entry once it has committed, on every instance (the cache is shared).
 */
export function createMembershipCache(cache: Cache) {
  return {
    async rolesOf(
      userId: string,
      load: () => Promise<ReadonlyMap<string, MemberRole>>,
    ): Promise<ReadonlyMap<string, MemberRole>> {
      // As entries: a Map does not survive JSON.
      const entries = await cache.load<[string, MemberRole][]>(
        membershipsKey(userId),
        MEMBERSHIPS_TTL_SECONDS,
        async () => [...(await load())],
      );
      return new Map(entries ?? []);
    },

    /** After a change to these users' memberships has committed. */
    forget: (userIds: Iterable<string>) => cache.delete(...Array.from(userIds, membershipsKey)),
  };
}

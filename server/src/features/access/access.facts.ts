import type { Cache } from '../../platform/cache/cache.ts';
import type { Queryable } from '../../platform/database/database.ts';
import { createMembershipCache } from '../members/members.cache.ts';
import { rolesOf } from '../members/members.repository.ts';
import { ancestry } from '../nodes/nodes.repository.ts';
import type { AccessFacts } from './access.ts';

/** The access check's facts as the database holds them (pass the transaction inside a unit of work). */
export function databaseFacts(db: Queryable): AccessFacts {
  return {
    lineage: async (nodeId) => (await ancestry(db, nodeId)).map((row) => row.id),
    memberships: (userId) => rolesOf(db, userId),
  };
}

/**
 * The facts for reads outside a unit of work: memberships through the cache (dropped on every
 * instance whenever one changes), the lineage from the database (a move changes it).
 */
export function cachedFacts(db: Queryable, cache: Cache): AccessFacts {
  const memberships = createMembershipCache(cache);
  const facts = databaseFacts(db);
  return {
    lineage: facts.lineage,
    memberships: (userId) => memberships.rolesOf(userId, () => facts.memberships(userId)),
  };
}

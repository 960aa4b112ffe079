import type { Queryable } from '../../platform/database/database.ts';
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

/**
 * "May this actor do this to this node", decided in one place for every route, public links and
 * (as it comes) WebDAV. The answer says how to refuse: what the actor may not see is `hidden`
 * (answered 404, as if it did not exist), what it may see but not change is `forbidden` (403).
 *
 * A node is reached by its owner; by a member of it or of a folder above it (viewer or editor);
 * or through a link to it or to a folder above it (a `link` reads, a `drop` only adds files to the
 * linked folder and sees nothing). Whether the node is in the trash is the caller's to check.
 */

import { forbidden } from './access.errors.ts';

export type MemberRole = 'viewer' | 'editor';

/** Who is asking: a signed-in user, or whoever holds a share link (checked, not expired). */
export type Actor =
  | { kind: 'user'; userId: string }
  | { kind: 'link'; shareId: string; ownerId: string; rootId: string; mode: 'link' | 'drop' };

export type Action = 'read' | 'write' | 'share' | 'drop';
export type Decision = 'allowed' | 'hidden' | 'forbidden';
export type Role = 'owner' | MemberRole | 'dropper';

export const userActor = (userId: string): Actor => ({ kind: 'user', userId });

/** Anything that belongs to one user's tree. */
export interface Owned {
  ownerId: string;
}

/** A node, as far as the access check needs it. */
export interface Placed extends Owned {
  id: string;
}

/** What the check reads, from the database or the cache, never from the request. */
export interface AccessFacts {
  /** The node's id, then its folder's, and so on up to the owner's root. */
  lineage(nodeId: string): Promise<string[]>;
  /** The nodes shared with the user, and as what. */
  memberships(userId: string): Promise<ReadonlyMap<string, MemberRole>>;
}

const ALLOWS: Record<Role, ReadonlySet<Action>> = {
  owner: new Set(['read', 'write', 'share', 'drop']),
  editor: new Set(['read', 'write', 'drop']),
  viewer: new Set(['read']),
  dropper: new Set(['drop']),
};

/** What the actor is to the node, or undefined when it is nothing to it. */
export async function roleOn(actor: Actor, node: Placed, facts: AccessFacts): Promise<Role | undefined> {
  if (actor.kind === 'user') {
    if (actor.userId === node.ownerId) return 'owner';
    const shared = await facts.memberships(actor.userId);
    if (shared.size === 0) return undefined;
    let role: MemberRole | undefined;
    for (const id of await facts.lineage(node.id)) {
      const granted = shared.get(id);
      if (granted === 'editor') return 'editor';
      role = granted ?? role;
    }
    return role;
  }
  if (actor.ownerId !== node.ownerId) return undefined;
  if (!(await facts.lineage(node.id)).includes(actor.rootId)) return undefined;
  return actor.mode === 'link' ? 'viewer' : 'dropper';
}

/** Whether a role allows the action, and if not, how to refuse. */
export function permits(role: Role | undefined, action: Action): Decision {
  if (role === undefined) return 'hidden';
  if (ALLOWS[role].has(action)) return 'allowed';
  // Who can't even read the node must not learn it exists.
  return ALLOWS[role].has('read') ? 'forbidden' : 'hidden';
}

export async function decide(
  actor: Actor,
  node: Placed,
  action: Action,
  facts: AccessFacts,
): Promise<Decision> {
  return permits(await roleOn(actor, node, facts), action);
}

/** Throws what the decision refuses with: `notFound()` when hidden, 403 when forbidden. */
export function enforce(decision: Decision, notFound: () => Error): void {
  if (decision === 'hidden') throw notFound();
  if (decision === 'forbidden') throw forbidden();
}

/** An upload session, as far as the check needs it. */
export interface Started extends Owned {
  /** The user who started it (null for one started through a link, or before this was recorded). */
  createdBy: string | null;
  shareId: string | null;
}

/**
 * An upload session is its starter's alone, whoever's tree it goes into: the user who started it,
 * or the link it was started through. Undefined when it is missing or someone else's.
 */
export function startedBy<T extends Started>(actor: Actor, session: T | undefined): T | undefined {
  if (session === undefined) return undefined;
  if (actor.kind === 'link') return session.shareId === actor.shareId ? session : undefined;
  const starter = session.shareId === null ? (session.createdBy ?? session.ownerId) : undefined;
  return starter === actor.userId ? session : undefined;
}

/**
 * For what only its owner ever reaches (the trash): the resource when the
 * actor is a user who owns it; undefined when it is missing or not theirs.
 */
export function visibleTo<T extends Owned>(
  actor: Actor,
  resource: T | undefined,
  _action: Action,
): T | undefined {
  return resource !== undefined && actor.kind === 'user' && actor.userId === resource.ownerId
    ? resource
    : undefined;
}

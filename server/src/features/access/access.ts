/**
 * "May this actor do this to this thing", decided in one place for every route (and, as they come,
 * WebDAV and share links). The answer says how to refuse: what the actor may not see is `hidden`
 * (answered 404, as if it did not exist), what it may see but not change is `forbidden` (403).
 */

/** Who is asking. Today a signed-in user; share links and app passwords will be actors too. */
export interface Actor {
  kind: 'user';
  userId: string;
}

export type Action = 'read' | 'write';
export type Decision = 'allowed' | 'hidden' | 'forbidden';

export const userActor = (userId: string): Actor => ({ kind: 'user', userId });

/** Anything that belongs to one user's account: a node, an upload session. */
export interface Owned {
  ownerId: string;
}

export function decide(actor: Actor, resource: Owned, _action: Action): Decision {
  // An owner may do anything to what is theirs; nobody else sees it, until sharing grants more.
  return actor.userId === resource.ownerId ? 'allowed' : 'hidden';
}

/** The resource when the actor may act on it; undefined when it is missing or hidden from the actor. */
export function visibleTo<T extends Owned>(
  actor: Actor,
  resource: T | undefined,
  action: Action,
): T | undefined {
  return resource !== undefined && decide(actor, resource, action) === 'allowed' ? resource : undefined;
}

import type { Deps } from '../../deps.ts';
import { isUuid } from '../../shared/ids.ts';
import type { Action, Actor, MemberRole } from '../access/access.ts';
import { nodeNotFound } from '../nodes/nodes.errors.ts';
import type { NodesService, Reached, TreeWork } from '../nodes/nodes.service.ts';
import type { UsersService } from '../users/users.service.ts';
import {
  alreadyMember,
  memberNotFound,
  memberUserNotFound,
  rootNotShareable,
  sharingWithSelf,
} from './members.errors.ts';
import * as repository from './members.repository.ts';

export type MembersService = ReturnType<typeof createMembersService>;

/**
 * People a node is shared with. Every change is a unit of work on the owner's tree (so it is
 * ordered with every change to the tree) that drops the member's cached memberships on commit.
 */
export function createMembersService(
  { database }: Pick<Deps, 'database'>,
  users: UsersService,
  nodes: NodesService,
) {
  const { db } = database;

  /** Runs `work` as a unit of work on the node's tree, if the actor may do `action` to the node. */
  async function onNode<T>(
    actor: Actor,
    nodeId: string,
    action: Action,
    work: (w: TreeWork, reached: Reached) => Promise<T>,
  ): Promise<T> {
    const ownerId = await nodes.ownerOf(actor, nodeId, nodeNotFound);
    return nodes.inTree(
      ownerId,
      undefined,
      async (w) => {
        const reached = await nodes.nodeIn(w, nodeId, action, nodeNotFound);
        // Nothing in the trash is shared anew or changed; the owner restores it first.
        if (!(await nodes.isLive(reached.node, w.tx))) throw nodeNotFound();
        return work(w, reached);
      },
      actor,
    );
  }

  return {
    async add(actor: Actor, nodeId: string, request: { username: string; role: MemberRole }) {
      // Read before the unit of work: an account's id and name are not what the tree's lock guards.
      const user = await users.findByUsername(request.username);
      return onNode(actor, nodeId, 'share', async (w, { node }) => {
        if (node.parentId === null) throw rootNotShareable();
        if (user === undefined) throw memberUserNotFound();
        if (user.id === w.ownerId) throw sharingWithSelf();
        if ((await repository.findMember(w.tx, node.id, user.id)) !== undefined) throw alreadyMember();
        const row = await repository.insertMember(w.tx, {
          nodeId: node.id,
          ownerId: w.ownerId,
          userId: user.id,
          role: request.role,
        });
        w.changedMembers.add(user.id);
        return { userId: row.userId, username: user.username, role: row.role, createdAt: row.createdAt };
      });
    },

    async changeRole(actor: Actor, nodeId: string, userId: string, role: MemberRole) {
      return onNode(actor, nodeId, 'share', async (w, { node }) => {
        const row = isUuid(userId)
          ? await repository.updateMemberRole(w.tx, node.id, userId, role)
          : undefined;
        // Read in the transaction: the unit of work holds it, and the member's name comes with the row.
        const [member] = row === undefined ? [] : await repository.membersOf(w.tx, node.id, userId);
        if (member === undefined) throw memberNotFound();
        w.changedMembers.add(userId);
        return member;
      });
    },

    /** Removes a member: the owner removes anyone, a member only themself. */
    async remove(actor: Actor, nodeId: string, userId: string) {
      const leaving = actor.kind === 'user' && actor.userId === userId;
      await onNode(actor, nodeId, leaving ? 'read' : 'share', async (w, { node }) => {
        if (!isUuid(userId) || !(await repository.deleteMember(w.tx, node.id, userId)))
          throw memberNotFound();
        w.changedMembers.add(userId);
      });
    },

    /** The node's members, for its owner and for anyone it is shared with. */
    async list(actor: Actor, nodeId: string) {
      const found = nodeId === 'root' ? undefined : await nodes.reached(actor, nodeId);
      if (found === undefined) throw nodeNotFound();
      return repository.membersOf(db, found.node.id);
    },

    /** What others shared with the user, leaving out what is in the trash (or under a folder in it). */
    async sharedWith(userId: string) {
      const rows = await repository.sharedWith(db, userId);
      const live = await Promise.all(rows.map((row) => nodes.isLive(row.node)));
      return rows.filter((_, i) => live[i]);
    },
  };
}

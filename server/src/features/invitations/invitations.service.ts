import type { Deps } from '../../deps.ts';
import type { Queryable } from '../../platform/database/database.ts';
import { hashToken, newToken } from '../../shared/tokens.ts';
import type { UsersService } from '../users/users.service.ts';
import { invalidInvitation, invitationNotFound } from './invitations.errors.ts';
import * as repository from './invitations.repository.ts';
import type { InvitationRow } from './invitations.table.ts';

const DAY_MS = 86_400_000;

export type InvitationsService = ReturnType<typeof createInvitationsService>;

/** An invitation, with the username of the account it made once it was used. */
export type InvitationListing = InvitationRow & { usedByUsername: string | null };

export function createInvitationsService(
  { database, clock }: Pick<Deps, 'database' | 'clock'>,
  users: UsersService,
) {
  const { db } = database;
  return {
    /** A new invitation and its code, which exists nowhere else afterwards: only its hash is kept. */
    async create(adminId: string, validDays: number, note: string | undefined) {
      const code = newToken();
      const invitation = await repository.insertInvitation(db, {
        codeHash: hashToken(code),
        note: note ?? null,
        createdBy: adminId,
        expiresAt: new Date(clock.now().getTime() + validDays * DAY_MS),
      });
      return { invitation: { ...invitation, usedByUsername: null }, code };
    },

    async list(limit: number): Promise<InvitationListing[]> {
      const rows = await repository.listInvitations(db, limit);
      const usernames = await users.usernamesOf(
        rows.flatMap((row) => (row.usedBy === null ? [] : [row.usedBy])),
      );
      return rows.map((row) => ({
        ...row,
        usedByUsername: row.usedBy === null ? null : (usernames.get(row.usedBy) ?? null),
      }));
    },

    async revoke(id: string) {
      if ((await repository.deleteInvitation(db, id)).length === 0) throw invitationNotFound();
    },

    /**
     * Uses up the invitation inside the registration's transaction (403 if it can't be), and
     * returns how to record the account it made, once that exists.
     */
    async claim(tx: Queryable, code: string) {
      const id = await repository.claimInvitation(tx, hashToken(code), clock.now());
      if (id === undefined) throw invalidInvitation();
      return (userId: string) => repository.setInvitee(tx, id, userId);
    },
  };
}

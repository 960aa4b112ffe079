import { sql } from 'drizzle-orm';
import type { RegistrationMode } from '../../config.ts';
import type { Deps } from '../../deps.ts';
import { consumeEach } from '../../platform/cache/rate-limit.ts';
import { LOCKS } from '../../platform/database/locks.ts';
import { hashPassword, verifyPassword } from '../../shared/passwords.ts';
import { asAppPassword, hashToken, newToken } from '../../shared/tokens.ts';
import type { InvitationsService } from '../invitations/invitations.service.ts';
import type { NodesService } from '../nodes/nodes.service.ts';
import type { UsersService } from '../users/users.service.ts';
import type { UserRow } from '../users/users.table.ts';
import type { AppPasswordsService, AppPasswordUse } from './app-passwords.service.ts';
import {
  accountDisabled,
  invalidCredentials,
  invitationRequired,
  registrationClosed,
  sessionNotFound,
  wrongPassword,
} from './auth.errors.ts';
import * as repository from './auth.repository.ts';
import type { SessionRow } from './sessions.table.ts';

const SESSION_CACHE_SECONDS = 300;
// A session's last use is written at most this often, so reading doesn't mean writing on every request.
const TOUCH_INTERVAL_MS = 60_000;

type CachedSession = Pick<SessionRow, 'id' | 'userId' | 'lastUsedAt' | 'expiresAt'>;
const sessionKey = (tokenHash: string) => `session:${tokenHash}`;

/** Who a request is from, and with what: the account's session, or an app password and its scope. */
export type Authenticated =
  | { user: UserRow; session: CachedSession; appPassword: null }
  | { user: UserRow; session: null; appPassword: AppPasswordUse['appPassword'] };

export type AuthService = ReturnType<typeof createAuthService>;

function assertMayRegister(mode: RegistrationMode, invitation: string | undefined) {
  if (mode === 'closed') throw registrationClosed();
  if (mode === 'invite' && invitation === undefined) throw invitationRequired();
}

export function createAuthService(
  { config, database, cache, clock, rateLimiters }: Deps,
  users: UsersService,
  nodes: NodesService,
  invitations: InvitationsService,
  appPasswords: AppPasswordsService,
) {
  const { db } = database;
  const ttlMs = config.sessionTtlDays * 86_400_000;
  // Verifying against a real hash when the user doesn't exist keeps the timing the same either way.
  const decoyHash = hashPassword('decoy password that matches nothing');

  async function startSession(user: UserRow, userAgent: string | undefined) {
    const token = newToken();
    await repository.insertSession(db, {
      userId: user.id,
      tokenHash: hashToken(token),
      userAgent: userAgent?.slice(0, 512) ?? null,
      expiresAt: new Date(clock.now().getTime() + ttlMs),
    });
    return { token, user };
  }

  /** Who may register the next account: anyone while there is none yet (the administrator-to-be). */
  async function registrationMode(): Promise<RegistrationMode> {
    return (await users.count()) === 0 ? 'open' : config.registration.mode;
  }

  async function forgetSessions(rows: SessionRow[]) {
    await cache.delete(...rows.map((row) => sessionKey(row.tokenHash)));
  }

  return {
    registrationMode,

    async register(
      { username, password, invitation }: { username: string; password: string; invitation?: string },
      address: string,
      userAgent: string | undefined,
    ) {
      await rateLimiters.registrationPerAddress.consume(address);
      // Refused before the password is hashed, so a refusal costs the server nothing.
      assertMayRegister(await registrationMode(), invitation);
      const passwordHash = await hashPassword(password);
      const user = await db.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(${LOCKS.firstUser})`);
        const first = (await users.count(tx)) === 0;
        assertMayRegister(first ? 'open' : config.registration.mode, invitation);
        const recordInvitee =
          !first && invitation !== undefined ? await invitations.claim(tx, invitation) : undefined;
        const created = await users.create(tx, {
          username,
          passwordHash,
          isAdmin: first,
          // The administrator sets quotas, starting with nobody's own.
          quotaBytes: first ? null : (config.registration.defaultQuotaBytes ?? null),
        });
        await recordInvitee?.(created.id);
        await nodes.createRootFolder(tx, created.id);
        return created;
      });
      return startSession(user, userAgent);
    },

    async login(username: string, password: string, address: string, userAgent: string | undefined) {
      const account = username.toLowerCase();
      // A username never contains a space, so the two parts of the key can't run into each other.
      const accountFromAddress = `${account} ${address}`;
      await rateLimiters.loginPerAddress.consume(address);
      // Counted before the password is checked: parallel guesses can't all slip under the limit.
      await consumeEach([
        [rateLimiters.loginPerAccountAndAddress, accountFromAddress],
        [rateLimiters.loginPerAccount, account],
      ]);
      const user = await users.findByUsername(username);
      const valid = await verifyPassword(user?.passwordHash ?? (await decoyHash), password);
      if (user === undefined || !valid) throw invalidCredentials();
      // The right password was no guess: this address starts afresh, and the account's ceiling
      // (which other addresses' guesses count against) gets back only this attempt.
      await Promise.all([
        rateLimiters.loginPerAccountAndAddress.reset(accountFromAddress),
        rateLimiters.loginPerAccount.refund(account),
      ]);
      if (user.disabledAt !== null) throw accountDisabled();
      return startSession(user, userAgent);
    },

    /**
     * The user behind a session token or (sent as a bearer token, never in the cookie) an app
     * password, each with its own shape; undefined for an unknown, expired, revoked or disabled
     * one. `address` is what an app password records.
     */
    async authenticate(
      token: string,
      { address, bearer }: { address: string; bearer: boolean },
    ): Promise<Authenticated | undefined> {
      if (asAppPassword(token) !== undefined) {
        if (!bearer) return undefined;
        const use = await appPasswords.authenticate(token, address);
        return use && { ...use, session: null };
      }
      const tokenHash = hashToken(token);
      // Loaded so that a read racing a revocation never puts the revoked session back.
      let session = await cache.load<CachedSession>(
        sessionKey(tokenHash),
        SESSION_CACHE_SECONDS,
        async () => {
          const row = await repository.findSessionByTokenHash(db, tokenHash);
          return (
            row && { id: row.id, userId: row.userId, lastUsedAt: row.lastUsedAt, expiresAt: row.expiresAt }
          );
        },
      );
      if (session === undefined) return undefined;
      const now = clock.now();
      if (session.expiresAt <= now) return undefined;
      const user = await users.getUser(session.userId);
      if (user === undefined || user.disabledAt !== null) return undefined;
      if (now.getTime() - session.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) {
        // Sliding expiry: a session in use keeps going; one left alone for the TTL ends. The cached
        // copy is dropped rather than written: the session may have been revoked meanwhile.
        session = { ...session, lastUsedAt: now, expiresAt: new Date(now.getTime() + ttlMs) };
        await repository.touchSession(db, session.id, session.lastUsedAt, session.expiresAt);
        await cache.delete(sessionKey(tokenHash));
      }
      return { user, session, appPassword: null };
    },

    async logout(userId: string, sessionId: string) {
      await forgetSessions(await repository.deleteSession(db, userId, sessionId));
    },

    async changePassword(
      user: UserRow,
      currentSessionId: string,
      currentPassword: string,
      newPassword: string,
    ) {
      // Counted first, like sign-ins, so that someone holding a stolen session can't guess in parallel.
      await rateLimiters.passwordChangePerAccount.consume(user.id);
      if (!(await verifyPassword(user.passwordHash, currentPassword))) throw wrongPassword();
      await rateLimiters.passwordChangePerAccount.reset(user.id);
      await users.update(user.id, { passwordHash: await hashPassword(newPassword) });
      await forgetSessions(await repository.deleteSessionsOf(db, user.id, currentSessionId));
    },

    /** Ends every session and app password of the user (an administrator disabling the account). */
    async signOutEverywhere(userId: string) {
      await forgetSessions(await repository.deleteSessionsOf(db, userId));
      await appPasswords.revokeAllOf(userId);
    },

    listSessions: (userId: string) => repository.listSessions(db, userId),

    async revokeSession(userId: string, sessionId: string) {
      const deleted = await repository.deleteSession(db, userId, sessionId);
      if (deleted.length === 0) throw sessionNotFound();
      await forgetSessions(deleted);
    },
  };
}

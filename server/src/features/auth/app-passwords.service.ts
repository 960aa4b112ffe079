import type { Deps } from '../../deps.ts';
import { consumeEach, type RateLimiter } from '../../platform/cache/rate-limit.ts';
import { asAppPassword, hashToken, newAppPassword } from '../../shared/tokens.ts';
import type { UsersService } from '../users/users.service.ts';
import type { UserRow } from '../users/users.table.ts';
import * as repository from './app-passwords.repository.ts';
import type { AppPasswordRow, AppPasswordScope } from './app-passwords.table.ts';
import { appPasswordNotFound, invalidAppPassword } from './auth.errors.ts';

const APP_PASSWORD_CACHE_SECONDS = 300;
// Last use is written at most this often, so reading doesn't mean writing on every request.
const TOUCH_INTERVAL_MS = 60_000;
// Methods that read and change nothing: all a `read` app password may call, on the API or WebDAV.
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PROPFIND']);

type CachedAppPassword = Pick<AppPasswordRow, 'id' | 'userId' | 'scope' | 'lastUsedAt'>;
const appPasswordKey = (tokenHash: string) => `app-password:${tokenHash}`;

/** An app password that authenticated a request: whose it is and what it may do. */
export interface AppPasswordUse {
  user: UserRow;
  appPassword: { id: string; scope: AppPasswordScope };
}

/** Whether an app password of this scope may make a request with this method. */
export const scopeAllows = (scope: AppPasswordScope, method: string): boolean =>
  scope === 'read-write' || READ_METHODS.has(method.toUpperCase());

export type AppPasswordsService = ReturnType<typeof createAppPasswordsService>;

/**
 * App passwords: one per client, each with a scope, shown once and kept as a SHA-256 of its 150
 * random bits (a fast hash suffices for a random secret; nothing to guess from it). They sign in
 * to the API as a bearer token and to WebDAV with HTTP Basic, never to the account itself.
 */
export function createAppPasswordsService(
  { database, cache, clock, rateLimiters }: Deps,
  users: UsersService,
) {
  const { db } = database;

  async function forget(rows: AppPasswordRow[]) {
    await cache.delete(...rows.map((row) => appPasswordKey(row.tokenHash)));
  }

  /** Whose the app password is, or undefined for one that is unknown, revoked or whose account is disabled. */
  async function find(password: string) {
    const normalised = asAppPassword(password);
    if (normalised === undefined) return undefined;
    const tokenHash = hashToken(normalised);
    // Loaded so that a read racing a revocation never puts the revoked password back.
    const found = await cache.load<CachedAppPassword>(
      appPasswordKey(tokenHash),
      APP_PASSWORD_CACHE_SECONDS,
      async () => {
        const row = await repository.findAppPasswordByTokenHash(db, tokenHash);
        return row && { id: row.id, userId: row.userId, scope: row.scope, lastUsedAt: row.lastUsedAt };
      },
    );
    if (found === undefined) return undefined;
    const user = await users.getUser(found.userId);
    if (user === undefined || user.disabledAt !== null) return undefined;
    return { tokenHash, found, user };
  }

  /** Records the use (at most once a minute) and answers it. */
  async function use(
    { tokenHash, found, user }: NonNullable<Awaited<ReturnType<typeof find>>>,
    address: string,
  ): Promise<AppPasswordUse> {
    const now = clock.now();
    if (found.lastUsedAt === null || now.getTime() - found.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) {
      // The cached copy is dropped rather than written: the password may have been revoked meanwhile.
      await repository.touchAppPassword(db, found.id, now, address);
      await cache.delete(appPasswordKey(tokenHash));
    }
    return { user, appPassword: { id: found.id, scope: found.scope } };
  }

  return {
    /** The app password's use as a bearer token, or undefined when it signs nobody in. */
    async authenticate(password: string, address: string): Promise<AppPasswordUse | undefined> {
      const found = await find(password);
      return found && use(found, address);
    },

    /** Makes an app password; the answer is the only time the password itself is seen. */
    async create(userId: string, name: string, scope: AppPasswordScope) {
      const password = newAppPassword();
      const row = await repository.insertAppPassword(db, {
        userId,
        name,
        scope,
        tokenHash: hashToken(password),
      });
      return { row, password };
    },

    list: (userId: string) => repository.listAppPasswords(db, userId),

    /** Ends one app password at once, on every instance. */
    async revoke(userId: string, id: string) {
      const deleted = await repository.deleteAppPassword(db, userId, id);
      if (deleted.length === 0) throw appPasswordNotFound();
      await forget(deleted);
    },

    /** Ends every app password of the user (an administrator disabling the account). */
    async revokeAllOf(userId: string) {
      await forget(await repository.deleteAppPasswordsOf(db, userId));
    },

    /**
     * HTTP Basic for WebDAV: a username and one of its app passwords (the account's password is
     * refused). Every attempt is counted before the password is checked, per account from this
     * address and per address, and a right one gives its attempt back, so only failures add up.
     * Throws 401 (with a Basic challenge) or 429.
     */
    async authenticateBasic(username: string, password: string, address: string) {
      // A username never contains a space, so the two parts of the key can't run into each other.
      const accountFromAddress = `${username.toLowerCase()} ${address}`;
      const attempts: [RateLimiter, string][] = [
        [rateLimiters.basicAuthPerAccountAndAddress, accountFromAddress],
        [rateLimiters.basicAuthPerAddress, address],
      ];
      await consumeEach(attempts);
      const found = await find(password);
      if (found === undefined || found.user.username.toLowerCase() !== username.toLowerCase())
        throw invalidAppPassword();
      await Promise.all(attempts.map(([limiter, key]) => limiter.refund(key)));
      const { user, appPassword } = await use(found, address);
      return { user, scope: appPassword.scope };
    },
  };
}

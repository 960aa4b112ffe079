import type { Deps } from '../../deps.ts';
import type { Queryable } from '../../platform/database/database.ts';
import { sqlState, UNIQUE_VIOLATION } from '../../platform/database/database.ts';
import { quotaExceeded, userNotFound, usernameTaken } from './users.errors.ts';
import * as repository from './users.repository.ts';
import type { UserRow } from './users.table.ts';

const USER_TTL_SECONDS = 300;
const userKey = (id: string) => `user:${id}`;

export type UsersService = ReturnType<typeof createUsersService>;

export function createUsersService({ database, cache }: Pick<Deps, 'database' | 'cache'>) {
  const { db } = database;

  /** Loaded so that a read racing a change (a disabled account) never puts the old row back. */
  function getUser(id: string): Promise<UserRow | undefined> {
    return cache.load<UserRow>(userKey(id), USER_TTL_SECONDS, () => repository.findUserById(db, id));
  }

  function forgetUser(id: string) {
    return cache.delete(userKey(id));
  }

  /** Runs an update and maps a duplicate username to its 409; drops the cached copy after. */
  async function update(id: string, changes: Parameters<typeof repository.updateUser>[2]): Promise<UserRow> {
    let row: UserRow | undefined;
    try {
      row = await repository.updateUser(db, id, changes);
    } catch (error) {
      if (sqlState(error) === UNIQUE_VIOLATION) throw usernameTaken();
      throw error;
    }
    await forgetUser(id);
    if (row === undefined) throw userNotFound();
    return row;
  }

  return {
    getUser,
    forgetUser,
    update,
    findByUsername: (username: string) => repository.findUserByUsername(db, username),

    /** The usernames of the accounts with these ids (those that still exist), by id. */
    async usernamesOf(ids: string[]): Promise<Map<string, string>> {
      const rows = await repository.findUsernames(db, [...new Set(ids)]);
      return new Map(rows.map((row) => [row.id, row.username]));
    },

    /** How many accounts there are, inside the caller's transaction when it names one. */
    count: (tx: Queryable = db) => repository.countUsers(tx),

    /** Creates an account inside the caller's transaction; 409 when its username is taken. */
    async create(tx: Queryable, values: Parameters<typeof repository.insertUser>[1]): Promise<UserRow> {
      if ((await repository.findUserByUsername(tx, values.username)) !== undefined) throw usernameTaken();
      return repository.insertUser(tx, values);
    },

    /** Charges (or with a negative delta, refunds) stored bytes inside the caller's transaction; 413 over quota. */
    async chargeStorage(tx: Queryable, userId: string, delta: number) {
      if (!(await repository.chargeUsedBytes(tx, userId, delta))) throw quotaExceeded();
    },

    /** Sets bytes aside for an upload session inside the caller's transaction; 413 over quota. */
    async reserveStorage(tx: Queryable, userId: string, bytes: number) {
      if (!(await repository.reserveBytes(tx, userId, bytes))) throw quotaExceeded();
    },

    /** Gives back bytes an upload session had set aside. */
    async releaseStorage(tx: Queryable, userId: string, bytes: number) {
      await repository.reserveBytes(tx, userId, -bytes);
    },

    /** How many more bytes fit in the user's quota (Infinity without one), for refusing an upload early. */
    async roomLeft(userId: string): Promise<number> {
      const user = await repository.findUserById(db, userId);
      if (user === undefined) return 0;
      if (user.quotaBytes === null) return Number.POSITIVE_INFINITY;
      return Math.max(0, user.quotaBytes - user.usedBytes - user.reservedBytes);
    },

    list: (after: string | undefined, limit: number) => repository.listUsers(db, after, limit),
    totals: () => repository.storageTotals(db),
  };
}

export function toPublicUser(user: UserRow) {
  return {
    id: user.id,
    username: user.username,
    isAdmin: user.isAdmin,
    disabled: user.disabledAt !== null,
    quotaBytes: user.quotaBytes,
    usedBytes: user.usedBytes,
    reservedBytes: user.reservedBytes,
    createdAt: user.createdAt.toISOString(),
  };
}

import { hostname } from 'node:os';
import { login, logout } from './api/sdk.gen.ts';
import { connect, unwrap } from './connection.ts';
import type { Account } from './settings.ts';

/** What the command names its credential after, so the account page tells machines apart. */
export const credentialName = () => `fileshare on ${hostname()}`;

/**
 * Trades a username and password for the credential the command keeps: a session token of its
 * own. The one place that decides which kind of credential a signed-in command holds.
 */
export async function obtainCredential(url: string, username: string, password: string): Promise<Account> {
  connect({ url });
  const signedIn = await unwrap(login({ body: { username, password } }));
  return {
    url,
    token: signedIn.token,
    username: signedIn.user.username,
    credential: { kind: 'session' },
  };
}

/** Revokes the credential on its server: the token stops working for anyone holding it. */
export async function revokeCredential(account: Account) {
  connect(account);
  await unwrap(logout());
}

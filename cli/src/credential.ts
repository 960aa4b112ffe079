import { hostname } from 'node:os';
import { createAppPassword, login, logout, revokeOwnAppPassword } from './api/sdk.gen.ts';
import { connect, unwrap } from './connection.ts';
import type { Account } from './settings.ts';

/** What the command names its credential after, so the account page tells machines apart. */
export const credentialName = () => `fileshare on ${hostname()}`;

/**
 * Trades a username and password for the credential the command keeps: an app password of its
 * own, named after this machine (the account password is never stored). The session it signs in
 * with to make it is ended at once. The one place that decides which credential a command holds.
 */
export async function obtainCredential(url: string, username: string, password: string): Promise<Account> {
  connect({ url });
  const signedIn = await unwrap(login({ body: { username, password } }));
  connect({ url, token: signedIn.token });
  try {
    const made = await unwrap(
      createAppPassword({ body: { name: credentialName().slice(0, 100), scope: 'read-write' } }),
    );
    return {
      url,
      token: made.password,
      username: signedIn.user.username,
      credential: { kind: 'app-password', id: made.id },
    };
  } finally {
    await unwrap(logout()).catch(() => {});
  }
}

/** Revokes the credential on its server: it stops working for anyone holding it. */
export async function revokeCredential(account: Account) {
  connect(account);
  if (account.credential.kind === 'app-password') await unwrap(revokeOwnAppPassword());
  else await unwrap(logout());
}

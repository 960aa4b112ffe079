// The tests' WebDAV client: accounts with app passwords, requests with HTTP Basic, litmus.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { parseLitmus } from '../../tools/litmus.ts';
import { type SignedUp, signUp, uniqueName } from './client.ts';
import type { TestServer } from './harness.ts';

export const run = promisify(execFile);

export type DavAccount = SignedUp & { davPassword: string };

/** A new account with an app password for WebDAV (read-write unless told). */
export async function davSignUp(
  server: TestServer,
  scope: 'read' | 'read-write' = 'read-write',
): Promise<DavAccount> {
  const account = await signUp(server, uniqueName());
  const { password } = await account.api.expect(201, 'POST', '/me/app-passwords', {
    json: { name: 'webdav', scope },
  });
  return { ...account, davPassword: password };
}

/** A WebDAV client of the tests: HTTP Basic with the username and an app password. */
export function davClient(server: TestServer, account: DavAccount) {
  const authorization = `Basic ${Buffer.from(`${account.user.username}:${account.davPassword}`).toString('base64')}`;
  return (
    method: string,
    davPath: string,
    init: { headers?: Record<string, string>; body?: BodyInit } = {},
  ) =>
    fetch(`${server.origin}/dav${davPath}`, {
      method,
      headers: { authorization, ...init.headers },
      body: init.body,
    });
}

/** Runs litmus suites against /dav/; answers each suite's summary and every line that failed or warned. */
export async function litmus(server: TestServer, account: DavAccount, suites: string[]) {
  const { stdout } = await run(
    'litmus',
    ['-k', `${server.origin}/dav/`, account.user.username, account.davPassword],
    {
      env: { ...process.env, TESTS: suites.join(' ') },
      timeout: 120_000,
    },
  ).catch((error: { stdout: string }) => ({ stdout: error.stdout }));
  return { ...parseLitmus(stdout), stdout };
}

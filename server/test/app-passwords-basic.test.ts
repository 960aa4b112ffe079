import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppPasswordsService } from '../src/features/auth/app-passwords.service.ts';
import { createServices } from '../src/services.ts';
import { AppError } from '../src/shared/errors.ts';
import { signUp, uniqueName } from './client.ts';
import { driverSets, startServer, type TestServer } from './harness.ts';

const PER_ACCOUNT_AND_ADDRESS = 3;
const PER_ADDRESS = 6;

/** What WebDAV asks of an HTTP Basic sign-in, on the server's own database, cache and limiters. */
describe.each(driverSets())('HTTP Basic with an app password (%s)', (set) => {
  let server: TestServer;
  let appPasswords: AppPasswordsService;
  beforeAll(async () => {
    server = await startServer(set, {
      env: {
        BASIC_AUTH_LIMIT_PER_ACCOUNT_AND_ADDRESS: String(PER_ACCOUNT_AND_ADDRESS),
        BASIC_AUTH_LIMIT_PER_ADDRESS: String(PER_ADDRESS),
      },
    });
    appPasswords = createServices(server.deps).appPasswords;
  });
  afterAll(() => server.close());

  async function account(scope: 'read' | 'read-write' = 'read-write') {
    const owner = await signUp(server, uniqueName(), 'the account password');
    const created = await owner.api.expect(201, 'POST', '/me/app-passwords', {
      json: { name: 'dav', scope },
    });
    return { ...owner, password: created.password as string, id: created.id as string };
  }

  /** The status a sign-in fails with (and its error), or 200. */
  async function basic(username: string, password: string, address: string) {
    try {
      await appPasswords.authenticateBasic(username, password, address);
      return { status: 200 };
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return { status: error.status, code: error.code, headers: error.headers };
    }
  }

  it('accepts the username with an app password, and answers its scope', async () => {
    for (const scope of ['read', 'read-write'] as const) {
      const { user, password } = await account(scope);
      const signedIn = await appPasswords.authenticateBasic(
        user.username.toUpperCase(),
        password,
        '192.0.2.1',
      );
      expect(signedIn.user.id).toBe(user.id);
      expect(signedIn.scope).toBe(scope);
      // Typed in capitals on a phone, it is still the same password.
      expect((await basic(user.username, password.toUpperCase(), '192.0.2.1')).status).toBe(200);
    }
  });

  it('refuses the account password, another account’s app password and a revoked one, with a challenge', async () => {
    const { api, user, password, id } = await account();
    const other = await account();
    const refused = await basic(user.username, 'the account password', '192.0.2.2');
    expect(refused).toMatchObject({ status: 401, code: 'invalid_credentials' });
    expect(refused.headers?.['www-authenticate']).toMatch(/^Basic realm=/);
    expect((await basic(user.username, other.password, '192.0.2.2')).status).toBe(401);
    expect((await basic('nobody-here', password, '192.0.2.2')).status).toBe(401);
    expect((await basic(user.username, password, '192.0.2.2')).status).toBe(200);
    await api.expect(204, 'DELETE', `/me/app-passwords/${id}`);
    expect((await basic(user.username, password, '192.0.2.2')).status).toBe(401);
  });

  it('records the use and the address', async () => {
    const { api, user, password } = await account();
    await appPasswords.authenticateBasic(user.username, password, '203.0.113.77');
    const [row] = (await api.expect(200, 'GET', '/me/app-passwords')).appPasswords;
    expect(row.lastAddress).toBe('203.0.113.77');
    expect(row.lastUsedAt).not.toBeNull();
  });

  it('limits failures per account from one address, counted before checking, and not the owner elsewhere', async () => {
    const { user, password } = await account();
    const guesses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => basic(user.username, `wrong guess ${i}`, '203.0.113.1')),
    );
    expect(guesses.filter((answer) => answer.status === 401)).toHaveLength(PER_ACCOUNT_AND_ADDRESS);
    const limited = guesses.filter((answer) => answer.status === 429);
    expect(limited).toHaveLength(10 - PER_ACCOUNT_AND_ADDRESS);
    expect(Number(limited[0]?.headers?.['retry-after'])).toBeGreaterThan(0);
    // Even the right password waits from that address; from another it signs in.
    expect((await basic(user.username, password, '203.0.113.1')).status).toBe(429);
    expect((await basic(user.username, password, '198.51.100.1')).status).toBe(200);
  });

  it('limits failures per address, whatever the account', async () => {
    const address = '203.0.113.50';
    const answers = [];
    for (let i = 0; i < PER_ADDRESS + 2; i++)
      answers.push((await basic(uniqueName(), 'guess', address)).status);
    expect(answers.filter((status) => status === 401)).toHaveLength(PER_ADDRESS);
    expect(answers.slice(PER_ADDRESS)).toEqual([429, 429]);
    const { user, password } = await account();
    expect((await basic(user.username, password, address)).status).toBe(429);
  });

  it('gives a right password its attempt back, so only failures add up', async () => {
    const { user, password } = await account();
    for (let i = 0; i < PER_ADDRESS * 3; i++) {
      expect((await basic(user.username, password, '198.51.100.20')).status).toBe(200);
    }
    expect((await basic(user.username, 'one wrong', '198.51.100.20')).status).toBe(401);
  });
});

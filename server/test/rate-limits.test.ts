import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, signUp, uniqueName } from './client.ts';
import { driverSets, startServer, type TestServer } from './harness.ts';

const PER_ACCOUNT_AND_ADDRESS = 3;
const PER_ACCOUNT = 10;
const PASSWORD_CHANGES = 3;

describe.each(driverSets())('rate limits on passwords (%s)', (set) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(set, {
      env: {
        // The client's address comes from X-Forwarded-For, so one test can speak from many addresses.
        TRUST_PROXY: 'true',
        LOGIN_LIMIT_PER_ADDRESS: '1000',
        LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS: String(PER_ACCOUNT_AND_ADDRESS),
        LOGIN_LIMIT_PER_ACCOUNT: String(PER_ACCOUNT),
        PASSWORD_CHANGE_LIMIT_PER_ACCOUNT: String(PASSWORD_CHANGES),
      },
    });
  });
  afterAll(() => server.close());

  const anon = () => new Api(server.origin);
  const login = (username: string, password: string, address: string) =>
    anon().request('POST', '/auth/login', {
      json: { username, password },
      headers: { 'x-forwarded-for': address },
    });
  const statuses = async (responses: Promise<Response>[]) =>
    (await Promise.all(responses)).map((response) => response.status);
  const count = (list: number[], status: number) => list.filter((s) => s === status).length;

  it('checks at most the limit of parallel wrong passwords from one address', async () => {
    const name = uniqueName();
    await signUp(server, name, 'the right password');
    const answers = await statuses(
      Array.from({ length: 30 }, (_, i) => login(name, `wrong guess ${i}`, '203.0.113.1')),
    );
    expect(count(answers, 401)).toBe(PER_ACCOUNT_AND_ADDRESS);
    expect(count(answers, 429)).toBe(30 - PER_ACCOUNT_AND_ADDRESS);
  });

  it('checks at most the account’s ceiling of parallel wrong passwords from many addresses', async () => {
    const name = uniqueName();
    await signUp(server, name, 'the right password');
    const answers = await statuses(
      Array.from({ length: 30 }, (_, i) => login(name, `wrong guess ${i}`, `198.51.100.${i + 1}`)),
    );
    expect(count(answers, 401)).toBe(PER_ACCOUNT);
    expect(count(answers, 429)).toBe(30 - PER_ACCOUNT);
    // The distributed guess is stopped, so even the right password waits out the window.
    const owner = await login(name, 'the right password', '192.0.2.200');
    expect(owner.status).toBe(429);
    expect(Number(owner.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('locks out the guessing address, not the owner signing in from another', async () => {
    const name = uniqueName();
    await signUp(server, name, 'the right password');
    let failures = 0;
    let attacker = await login(name, 'wrong guess', '203.0.113.9');
    while (attacker.status === 401 && failures < 50) {
      failures += 1;
      attacker = await login(name, `wrong guess ${failures}`, '203.0.113.9');
    }
    expect(failures).toBe(PER_ACCOUNT_AND_ADDRESS);
    expect(attacker.status).toBe(429);
    expect((await attacker.json()).error.code).toBe('rate_limited');
    expect((await login(name, 'the right password', '203.0.113.9')).status).toBe(429);
    expect((await login(name, 'the right password', '192.0.2.10')).status).toBe(200);
  });

  it('does not count the owner’s own sign-ins against the account’s ceiling', async () => {
    const name = uniqueName();
    await signUp(server, name, 'the right password');
    for (let i = 0; i < PER_ACCOUNT + 2; i++) {
      expect((await login(name, 'the right password', `192.0.2.${i + 1}`)).status).toBe(200);
    }
    // A wrong password after a right one from the same address starts that address's count afresh.
    expect((await login(name, 'a wrong one', '192.0.2.1')).status).toBe(401);
    expect((await login(name, 'the right password', '192.0.2.1')).status).toBe(200);
  });

  it('checks at most the limit of parallel wrong current passwords on a password change', async () => {
    const { api } = await signUp(server, uniqueName(), 'the right password');
    const answers = await statuses(
      Array.from({ length: 20 }, (_, i) =>
        api.request('POST', '/me/password', {
          json: { currentPassword: `wrong guess ${i}`, newPassword: 'a new password' },
        }),
      ),
    );
    expect(count(answers, 403)).toBe(PASSWORD_CHANGES);
    expect(count(answers, 429)).toBe(20 - PASSWORD_CHANGES);
    const locked = await api.request('POST', '/me/password', {
      json: { currentPassword: 'the right password', newPassword: 'a new password' },
    });
    expect(locked.status).toBe(429);
    expect((await locked.json()).error.code).toBe('rate_limited');
  });

  it('lets the owner change the password again and again', async () => {
    const { api } = await signUp(server, uniqueName(), 'password number 0');
    for (let i = 0; i < PASSWORD_CHANGES + 2; i++) {
      await api.expect(204, 'POST', '/me/password', {
        json: { currentPassword: `password number ${i}`, newPassword: `password number ${i + 1}` },
      });
    }
  });
});

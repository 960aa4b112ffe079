import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, signUp, signUpForCookie, uniqueName } from './client.ts';
import { driverSets, startServer, type TestServer } from './harness.ts';

describe.each(driverSets())('accounts and sessions (%s)', (set) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(set, {
      env: { LOGIN_LIMIT_PER_ACCOUNT: '3', LOGIN_LIMIT_PER_ADDRESS: '1000' },
    });
  });
  afterAll(() => server.close());

  it('makes the first account the administrator and no other', async () => {
    const first = await signUp(server, uniqueName());
    const second = await signUp(server, uniqueName());
    expect(first.user.isAdmin).toBe(true);
    expect(second.user.isAdmin).toBe(false);
  });

  it('refuses a username that is taken, ignoring case', async () => {
    const name = uniqueName('Taken');
    await signUp(server, name);
    const body = await new Api(server.origin).expect(409, 'POST', '/auth/register', {
      json: { username: name.toLowerCase(), password: 'another password' },
    });
    expect(body.error.code).toBe('username_taken');
  });

  it('validates usernames and passwords with a clear error', async () => {
    const api = new Api(server.origin);
    const short = await api.expect(400, 'POST', '/auth/register', {
      json: { username: 'ab', password: 'long enough' },
    });
    expect(short.error.code).toBe('invalid_request');
    expect(short.error.message).toMatch(/username/);
    const weak = await api.expect(400, 'POST', '/auth/register', {
      json: { username: uniqueName(), password: 'short' },
    });
    expect(weak.error.message).toMatch(/password/);
  });

  it('signs in with the password, never with a wrong one, and stores no plain password', async () => {
    const name = uniqueName();
    await signUp(server, name, 'my secret passphrase');
    const api = new Api(server.origin);
    const wrong = await api.expect(401, 'POST', '/auth/login', {
      json: { username: name, password: 'nope nope' },
    });
    expect(wrong.error.code).toBe('invalid_credentials');
    const { token, user } = await api.expect(200, 'POST', '/auth/login', {
      json: { username: name.toUpperCase(), password: 'my secret passphrase' },
    });
    expect(user.username).toBe(name);
    const me = await new Api(server.origin, token).expect(200, 'GET', '/me');
    expect(me.id).toBe(user.id);
    const row = await server.deps.database.db.query.users.findFirst({
      where: (u, { eq }) => eq(u.id, user.id),
    });
    expect(row?.passwordHash).toMatch(/^\$argon2id\$/);
    expect(row?.passwordHash).not.toContain('my secret passphrase');
  });

  it('stores sessions hashed, so the token itself is never in the database', async () => {
    const { token, user } = await signUp(server, uniqueName());
    const rows = await server.deps.database.db.query.sessions.findMany({
      where: (s, { eq }) => eq(s.userId, user.id),
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]?.tokenHash).not.toBe(token);
    expect(rows[0]?.tokenHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('answers 401 without a session or with a bad token', async () => {
    const api = new Api(server.origin);
    expect((await api.expect(401, 'GET', '/me')).error.code).toBe('not_authenticated');
    expect((await api.expect(401, 'GET', '/me', { token: 'forged' })).error.code).toBe('not_authenticated');
  });

  it('logs out: the token stops working', async () => {
    const { api } = await signUp(server, uniqueName());
    await api.expect(204, 'POST', '/auth/logout');
    await api.expect(401, 'GET', '/me');
  });

  it('renames the account', async () => {
    const { api } = await signUp(server, uniqueName());
    const renamed = uniqueName('renamed');
    const me = await api.expect(200, 'PATCH', '/me', { json: { username: renamed } });
    expect(me.username).toBe(renamed);
    expect((await api.expect(200, 'GET', '/me')).username).toBe(renamed);
  });

  it('changing the password revokes every other session and keeps this one', async () => {
    const name = uniqueName();
    const { api: first } = await signUp(server, name, 'old password 1');
    const other = new Api(server.origin);
    other.token = (
      await other.expect(200, 'POST', '/auth/login', { json: { username: name, password: 'old password 1' } })
    ).token;
    await other.expect(200, 'GET', '/me');

    const refused = await first.expect(403, 'POST', '/me/password', {
      json: { currentPassword: 'not it at all', newPassword: 'new password 2' },
    });
    expect(refused.error.code).toBe('wrong_password');
    await first.expect(204, 'POST', '/me/password', {
      json: { currentPassword: 'old password 1', newPassword: 'new password 2' },
    });
    await other.expect(401, 'GET', '/me');
    await first.expect(200, 'GET', '/me');
    const anon = new Api(server.origin);
    await anon.expect(401, 'POST', '/auth/login', { json: { username: name, password: 'old password 1' } });
    await anon.expect(200, 'POST', '/auth/login', { json: { username: name, password: 'new password 2' } });
  });

  it('lists sessions and revokes one of them', async () => {
    const name = uniqueName();
    const { api } = await signUp(server, name);
    const second = new Api(server.origin);
    second.token = (
      await second.expect(200, 'POST', '/auth/login', {
        json: { username: name, password: 'correct horse battery' },
      })
    ).token;
    const { sessions } = await api.expect(200, 'GET', '/me/sessions');
    expect(sessions).toHaveLength(2);
    const other = sessions.find((session: { current: boolean }) => !session.current);
    await api.expect(204, 'DELETE', `/me/sessions/${other.id}`);
    await second.expect(401, 'GET', '/me');
    await api.expect(200, 'GET', '/me');
  });

  it('rate-limits failed logins per account with 429 and Retry-After', async () => {
    const name = uniqueName();
    await signUp(server, name, 'the right password');
    const api = new Api(server.origin);
    for (let i = 0; i < 3; i++) {
      await api.expect(401, 'POST', '/auth/login', {
        json: { username: name, password: `wrong ${i} guess` },
      });
    }
    const response = await api.request('POST', '/auth/login', {
      json: { username: name, password: 'the right password' },
    });
    expect(response.status).toBe(429);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await response.json()).error.code).toBe('rate_limited');
  });

  it('refuses cookie-authenticated unsafe requests from another origin (CSRF)', async () => {
    const { setCookie, cookie } = await signUpForCookie(server.origin, uniqueName());
    expect(setCookie).toMatch(/fileshare_session=/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    const api = new Api(server.origin);
    // Reading with the cookie is fine.
    await api.expect(200, 'GET', '/me', { headers: { cookie } });
    const folder = { parentId: 'root', name: 'from cookie' };
    const foreign = await api.expect(403, 'POST', '/folders', {
      json: folder,
      headers: { cookie, origin: 'https://evil.example' },
    });
    expect(foreign.error.code).toBe('cross_origin_request');
    await api.expect(403, 'POST', '/folders', { json: folder, headers: { cookie } });
    await api.expect(201, 'POST', '/folders', { json: folder, headers: { cookie, origin: server.origin } });
  });

  it('decides CSRF from the matched route, however its path is spelled, and on public routes too', async () => {
    const name = uniqueName();
    const { cookie } = await signUpForCookie(server.origin, name);
    const post = (path: string, origin: string, body: unknown) =>
      fetch(`${server.origin}${path}`, {
        method: 'POST',
        headers: { cookie, origin, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const folder = { parentId: 'root', name: 'spelled differently' };
    for (const path of ['/%61pi/v1/folders', '/api/v1/%66olders', '/api/%76%31/folders']) {
      const foreign = await post(path, 'https://evil.example', folder);
      expect(foreign.status, path).toBe(403);
      expect((await foreign.json()).error.code, path).toBe('cross_origin_request');
    }
    const listing = await new Api(server.origin).expect(200, 'GET', '/folders/root', { headers: { cookie } });
    expect(listing.children).toEqual([]);
    // The same spelling from the site itself reaches the same route.
    expect((await post('/%61pi/v1/folders', server.origin, folder)).status).toBe(201);
    const login = await post('/api/v1/auth/login', 'https://evil.example', {
      username: name,
      password: 'cookie password',
    });
    expect(login.status).toBe(403);
    expect((await login.json()).error.code).toBe('cross_origin_request');
  });
});

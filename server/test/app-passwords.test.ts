import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, type SignedUp, signUp, uniqueName } from './client.ts';
import { driverSets, startServer, type TestServer } from './harness.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe.each(driverSets())('app passwords (%s)', (set) => {
  let server: TestServer;
  let admin: SignedUp;
  beforeAll(async () => {
    // The client's address comes from X-Forwarded-For, so a test can say where a use came from.
    server = await startServer(set, { env: { TRUST_PROXY: 'true' } });
    admin = await signUp(server, uniqueName('admin'));
  });
  afterAll(() => server.close());

  async function appPassword(owner: SignedUp, scope: 'read' | 'read-write', name = 'a client') {
    const created = await owner.api.expect(201, 'POST', '/me/app-passwords', { json: { name, scope } });
    return { ...created, api: new Api(server.origin, created.password) };
  }

  it('is made, listed without its password, stored hashed and revoked', async () => {
    const owner = await signUp(server, uniqueName());
    const created = await owner.api.expect(201, 'POST', '/me/app-passwords', {
      json: { name: 'Laptop WebDAV', scope: 'read-write' },
    });
    expect(created).toMatchObject({ name: 'Laptop WebDAV', scope: 'read-write' });
    expect(created.password).toMatch(/^(?:[a-z2-9]{5}-){5}[a-z2-9]{5}$/);
    expect(Date.parse(created.createdAt)).not.toBeNaN();

    const { appPasswords } = await owner.api.expect(200, 'GET', '/me/app-passwords');
    expect(appPasswords).toEqual([
      {
        id: created.id,
        name: 'Laptop WebDAV',
        scope: 'read-write',
        createdAt: created.createdAt,
        lastUsedAt: null,
        lastAddress: null,
      },
    ]);
    expect(JSON.stringify(appPasswords)).not.toContain(created.password);
    const rows = await server.deps.database.db.query.appPasswords.findMany({
      where: (row, { eq }) => eq(row.userId, owner.user.id),
    });
    expect(rows.map((row) => row.tokenHash)).toEqual([sha256(created.password)]);
    expect(JSON.stringify(rows)).not.toContain(created.password);

    await owner.api.expect(204, 'DELETE', `/me/app-passwords/${created.id}`);
    expect((await owner.api.expect(200, 'GET', '/me/app-passwords')).appPasswords).toEqual([]);
    await owner.api.expect(404, 'DELETE', `/me/app-passwords/${created.id}`);
  });

  it('refuses a bad name or scope with a clear error', async () => {
    const owner = await signUp(server, uniqueName());
    for (const json of [
      { name: '', scope: 'read' },
      { name: '   ', scope: 'read' },
      { name: 'x'.repeat(101), scope: 'read' },
      { name: 'ok', scope: 'admin' },
      { name: 'ok' },
    ]) {
      const body = await owner.api.expect(400, 'POST', '/me/app-passwords', { json });
      expect(body.error.code).toBe('invalid_request');
    }
  });

  it('signs in to the API as a bearer token, and records its last use at most once a minute', async () => {
    const owner = await signUp(server, uniqueName());
    const { id, api } = await appPassword(owner, 'read');
    const at = (address: string) => ({ headers: { 'x-forwarded-for': address } });
    expect((await api.expect(200, 'GET', '/me', at('198.51.100.7'))).id).toBe(owner.user.id);
    const used = async () =>
      (await owner.api.expect(200, 'GET', '/me/app-passwords')).appPasswords.find(
        (row: { id: string }) => row.id === id,
      );
    const first = await used();
    expect(first.lastAddress).toBe('198.51.100.7');
    expect(Date.parse(first.lastUsedAt)).not.toBeNaN();

    await api.expect(200, 'GET', '/folders/root', at('198.51.100.8'));
    expect(await used()).toEqual(first);
    server.clock.advance(61_000);
    await api.expect(200, 'GET', '/folders/root', at('198.51.100.9'));
    const later = await used();
    expect(later.lastAddress).toBe('198.51.100.9');
    expect(Date.parse(later.lastUsedAt)).toBeGreaterThan(Date.parse(first.lastUsedAt));
  });

  it('limits a read app password to reading, decided on the matched route', async () => {
    const owner = await signUp(server, uniqueName());
    const folder = await owner.api.expect(201, 'POST', '/folders', { json: { parentId: 'root', name: 'f' } });
    const file = await (await owner.api.upload('root', 'a.txt', 'hello')).json();
    const { api } = await appPassword(owner, 'read');

    const listing = await api.expect(200, 'GET', '/folders/root');
    expect(listing.children.map((child: { name: string }) => child.name).sort()).toEqual(['a.txt', 'f']);
    expect(await (await api.request('GET', `/files/${file.id}/content`)).text()).toBe('hello');
    expect((await api.request('HEAD', `/files/${file.id}/content`)).status).toBe(200);

    const changes: [string, string, object?][] = [
      ['POST', '/folders', { json: { parentId: 'root', name: 'new' } }],
      ['PUT', `/folders/root/files/b.txt`, { body: 'x' }],
      ['PATCH', `/nodes/${folder.id}`, { json: { name: 'renamed' } }],
      ['DELETE', `/nodes/${folder.id}`],
      ['POST', '/uploads', { json: { parentId: 'root', name: 'c.bin', size: 10 } }],
    ];
    for (const [method, path, options] of changes) {
      const body = await api.expect(403, method, path, options);
      expect(body.error.code).toBe('read_only_app_password');
    }
    // However the path is spelled, the route decides.
    const spelled = await fetch(`${server.origin}/%61pi/v1/folders`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ parentId: 'root', name: 'sneaky' }),
    });
    expect(spelled.status).toBe(403);
    const after = await owner.api.expect(200, 'GET', '/folders/root');
    expect(after.children.map((child: { name: string }) => child.name).sort()).toEqual(['a.txt', 'f']);
  });

  it('lets a read-write app password change files', async () => {
    const owner = await signUp(server, uniqueName());
    const { api } = await appPassword(owner, 'read-write');
    const folder = await api.expect(201, 'POST', '/folders', { json: { parentId: 'root', name: 'mine' } });
    expect((await api.upload(folder.id, 'x.txt', 'data')).status).toBe(201);
    await api.expect(200, 'PATCH', `/nodes/${folder.id}`, { json: { name: 'ours' } });
  });

  it('never manages the account, its sessions or app passwords, nor administers, whatever its scope', async () => {
    const owner = await signUp(server, uniqueName());
    const other = await appPassword(owner, 'read');
    const sessionId = (await owner.api.expect(200, 'GET', '/me/sessions')).sessions[0].id;
    const forbidden: [string, string, object?][] = [
      [
        'POST',
        '/me/password',
        { json: { currentPassword: 'correct horse battery', newPassword: 'new one!!' } },
      ],
      ['PATCH', '/me', { json: { username: uniqueName() } }],
      ['GET', '/me/sessions'],
      ['DELETE', `/me/sessions/${sessionId}`],
      ['POST', '/auth/logout'],
      ['GET', '/me/app-passwords'],
      ['POST', '/me/app-passwords', { json: { name: 'more', scope: 'read-write' } }],
      ['DELETE', `/me/app-passwords/${other.id}`],
    ];
    for (const scope of ['read', 'read-write'] as const) {
      const { api } = await appPassword(owner, scope);
      for (const [method, path, options] of forbidden) {
        const body = await api.expect(403, method, path, options);
        expect(body.error.code).toBe('session_required');
      }
    }
    const adminToken = await appPassword(admin, 'read-write');
    expect((await adminToken.api.expect(403, 'GET', '/admin/users')).error.code).toBe('session_required');
    const adminRead = await appPassword(admin, 'read');
    expect((await adminRead.api.expect(403, 'GET', '/admin/users')).error.code).toBe('session_required');
    // Nothing changed: the session and the other app password still work, the password is the same.
    await owner.api.expect(200, 'GET', '/me/sessions');
    await other.api.expect(200, 'GET', '/me');
    await new Api(server.origin).expect(200, 'POST', '/auth/login', {
      json: { username: owner.user.username, password: 'correct horse battery' },
    });
  });

  it('answers 404 for another user’s app password, and leaves it working', async () => {
    const owner = await signUp(server, uniqueName());
    const stranger = await signUp(server, uniqueName());
    const { id, api } = await appPassword(owner, 'read');
    expect((await stranger.api.expect(404, 'DELETE', `/me/app-passwords/${id}`)).error.code).toBe(
      'not_found',
    );
    expect((await stranger.api.expect(200, 'GET', '/me/app-passwords')).appPasswords).toEqual([]);
    await api.expect(200, 'GET', '/me');
  });

  it('stops working the moment it is revoked, even just after a use', async () => {
    const owner = await signUp(server, uniqueName());
    const { id, api } = await appPassword(owner, 'read-write');
    await api.expect(200, 'GET', '/me');
    await owner.api.expect(204, 'DELETE', `/me/app-passwords/${id}`);
    expect((await api.expect(401, 'GET', '/me')).error.code).toBe('not_authenticated');
  });

  it('signs in only as a bearer token, not in the session cookie, and not when unknown', async () => {
    const owner = await signUp(server, uniqueName());
    const { password } = await appPassword(owner, 'read-write');
    const asCookie = await fetch(`${server.origin}/api/v1/me`, {
      headers: { cookie: `fileshare_session=${password}` },
    });
    expect(asCookie.status).toBe(401);
    const unknown = 'abcde-fghij-kmnpq-rstuv-wxyz2-34567';
    await new Api(server.origin, unknown).expect(401, 'GET', '/me');
  });

  it('outlives a password change, and ends with a disabled account', async () => {
    const owner = await signUp(server, uniqueName());
    const { api } = await appPassword(owner, 'read-write');
    await owner.api.expect(204, 'POST', '/me/password', {
      json: { currentPassword: 'correct horse battery', newPassword: 'a brand new password' },
    });
    await api.expect(200, 'GET', '/me');
    await admin.api.expect(200, 'PATCH', `/admin/users/${owner.user.id}`, { json: { disabled: true } });
    await api.expect(401, 'GET', '/me');
    await admin.api.expect(200, 'PATCH', `/admin/users/${owner.user.id}`, { json: { disabled: false } });
    // Disabling ended it for good: enabling the account again doesn't bring it back.
    await api.expect(401, 'GET', '/me');
  });
});

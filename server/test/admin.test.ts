import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, type SignedUp, signUp, uniqueName } from './client.ts';
import { driverSets, startServer, type TestServer } from './harness.ts';

describe.each(driverSets())('administration (%s)', (set) => {
  let server: TestServer;
  let admin: SignedUp;
  beforeAll(async () => {
    server = await startServer(set);
    admin = await signUp(server, uniqueName('admin'));
  });
  afterAll(() => server.close());

  it('lists users a page at a time, with storage totals', async () => {
    const others = [await signUp(server, uniqueName()), await signUp(server, uniqueName())];
    await others[0]?.api.upload('root', 'a.bin', 'x'.repeat(700));
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=2&cursor=${cursor}` : '?limit=2';
      const page: {
        users: { id: string }[];
        nextCursor: string | null;
        totals: { users: number; usedBytes: number };
      } = await admin.api.expect(200, 'GET', `/admin/users${query}`);
      ids.push(...page.users.map((u) => u.id));
      expect(page.totals.usedBytes).toBeGreaterThanOrEqual(700);
      cursor = page.nextCursor;
    } while (cursor);
    expect(ids).toContain(admin.user.id);
    for (const other of others) expect(ids).toContain(other.user.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('ends a disabled account’s uploads, so that none of their part URLs takes a byte', async () => {
    const user = await signUp(server, uniqueName());
    const session = await user.api.expect(201, 'POST', '/uploads', {
      json: { parentId: 'root', name: 'big.bin', size: 9 * 1024 * 1024 },
    });
    await admin.api.expect(200, 'PATCH', `/admin/users/${user.user.id}`, { json: { disabled: true } });
    const part = session.parts[0];
    const headers: Record<string, string> = session.partsNeedCredentials
      ? { authorization: `Bearer ${user.token}` }
      : {};
    const sent = await fetch(part.url, { method: 'PUT', body: new Uint8Array(part.size), headers });
    expect(sent.status).toBeGreaterThanOrEqual(400);
    expect(
      (await admin.api.expect(200, 'GET', '/admin/users?limit=100')).users.find(
        (u: { id: string }) => u.id === user.user.id,
      ).reservedBytes,
    ).toBe(0);
  });

  it('refuses quotas it can not count exactly', async () => {
    const user = await signUp(server, uniqueName());
    for (const quotaBytes of [1e300, 2 ** 63, 2 ** 53 + 2, -1, 1.5]) {
      const response = await admin.api.request('PATCH', `/admin/users/${user.user.id}`, {
        json: { quotaBytes },
      });
      expect(response.status, String(quotaBytes)).toBe(400);
    }
    expect(
      (
        await admin.api.expect(200, 'PATCH', `/admin/users/${user.user.id}`, {
          json: { quotaBytes: 2 ** 53 - 1 },
        })
      ).quotaBytes,
    ).toBe(2 ** 53 - 1);
  });

  it('sets a quota that the user then sees and is held to', async () => {
    const user = await signUp(server, uniqueName());
    const updated = await admin.api.expect(200, 'PATCH', `/admin/users/${user.user.id}`, {
      json: { quotaBytes: 100 },
    });
    expect(updated.quotaBytes).toBe(100);
    expect((await user.api.expect(200, 'GET', '/me')).quotaBytes).toBe(100);
    expect((await user.api.upload('root', 'big', 'x'.repeat(101))).status).toBe(413);
    expect((await user.api.upload('root', 'small', 'x'.repeat(100))).status).toBe(201);
    await admin.api.expect(200, 'PATCH', `/admin/users/${user.user.id}`, { json: { quotaBytes: null } });
    expect((await user.api.upload('root', 'big', 'x'.repeat(101))).status).toBe(201);
  });

  it('takes a quota of 0 as 0 bytes, null as no limit, and refuses other falsy values', async () => {
    const user = await signUp(server, uniqueName());
    const path = `/admin/users/${user.user.id}`;
    expect((await admin.api.expect(200, 'PATCH', path, { json: { quotaBytes: 0 } })).quotaBytes).toBe(0);
    expect((await user.api.expect(200, 'GET', '/me')).quotaBytes).toBe(0);
    expect((await user.api.upload('root', 'one byte', 'x')).status).toBe(413);
    for (const quotaBytes of ['', false, '5', -1, 1.5]) {
      const refused = await admin.api.expect(400, 'PATCH', path, { json: { quotaBytes } });
      expect(refused.error.code, JSON.stringify(quotaBytes)).toBe('invalid_request');
    }
    expect((await user.api.expect(200, 'GET', '/me')).quotaBytes).toBe(0);
    expect(
      (await admin.api.expect(200, 'PATCH', path, { json: { quotaBytes: null } })).quotaBytes,
    ).toBeNull();
    expect((await user.api.upload('root', 'one byte', 'x')).status).toBe(201);
  });

  it('disables an account: its sessions end and it can not sign in; enabling restores it', async () => {
    const name = uniqueName();
    const user = await signUp(server, name, 'disable me please');
    await admin.api.expect(200, 'PATCH', `/admin/users/${user.user.id}`, { json: { disabled: true } });
    await user.api.expect(401, 'GET', '/me');
    const anon = new Api(server.origin);
    const refused = await anon.expect(403, 'POST', '/auth/login', {
      json: { username: name, password: 'disable me please' },
    });
    expect(refused.error.code).toBe('account_disabled');
    await admin.api.expect(200, 'PATCH', `/admin/users/${user.user.id}`, { json: { disabled: false } });
    await anon.expect(200, 'POST', '/auth/login', {
      json: { username: name, password: 'disable me please' },
    });
  });

  it('promotes a user to administrator, who can then administer', async () => {
    const user = await signUp(server, uniqueName());
    await user.api.expect(403, 'GET', '/admin/users');
    const promoted = await admin.api.expect(200, 'PATCH', `/admin/users/${user.user.id}`, {
      json: { isAdmin: true },
    });
    expect(promoted.isAdmin).toBe(true);
    await user.api.expect(200, 'GET', '/admin/users');
    await admin.api.expect(200, 'PATCH', `/admin/users/${user.user.id}`, { json: { isAdmin: false } });
    await user.api.expect(403, 'GET', '/admin/users');
  });

  it('does not let administrators lock themselves out, and 404s unknown users', async () => {
    await admin.api.expect(400, 'PATCH', `/admin/users/${admin.user.id}`, { json: { disabled: true } });
    await admin.api.expect(400, 'PATCH', `/admin/users/${admin.user.id}`, { json: { isAdmin: false } });
    await admin.api.expect(404, 'PATCH', '/admin/users/00000000-0000-4000-8000-000000000000', {
      json: { quotaBytes: 1 },
    });
  });
});

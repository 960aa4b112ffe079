import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, type SignedUp, signUp, uniqueName } from './client.ts';
import { driverSets, startServer, type TestServer } from './harness.ts';

const DAY_MS = 86_400_000;

const register = (server: TestServer, body: Record<string, unknown>, address = '192.0.2.1') =>
  new Api(server.origin).request('POST', '/auth/register', {
    json: { password: 'a long passphrase', ...body },
    headers: { 'x-forwarded-for': address },
  });

const modeOf = async (server: TestServer) =>
  (await new Api(server.origin).expect(200, 'GET', '/auth/registration')).mode;

describe.each(driverSets())('registration by invitation (%s)', (set) => {
  let server: TestServer;
  let admin: SignedUp;
  beforeAll(async () => {
    server = await startServer(set, {
      env: { REGISTRATION: 'invite', DEFAULT_QUOTA_BYTES: '1000', TRUST_PROXY: 'true' },
    });
  });
  afterAll(() => server.close());

  const invite = async (body: Record<string, unknown> = {}) =>
    (await admin.api.expect(201, 'POST', '/admin/invitations', { json: body })) as {
      code: string;
      invitation: { id: string; expiresAt: string; usedAt: string | null };
    };
  const refusal = async (response: Response) => {
    expect(response.status).toBe(403);
    return (await response.json()).error.code;
  };

  it('lets the first account in without an invitation, as the administrator with no quota', async () => {
    expect(await modeOf(server)).toBe('open');
    admin = await signUp(server, uniqueName('admin'));
    expect(admin.user.isAdmin).toBe(true);
    expect((await admin.api.expect(200, 'GET', '/me')).quotaBytes).toBeNull();
    expect(await modeOf(server)).toBe('invite');
  });

  it('refuses everyone else without a valid invitation', async () => {
    expect(await refusal(await register(server, { username: uniqueName() }))).toBe('invitation_required');
    expect(await refusal(await register(server, { username: uniqueName(), invitation: 'made up' }))).toBe(
      'invalid_invitation',
    );
  });

  it('registers with an invitation once, under the default quota, and keeps only the code’s hash', async () => {
    const { code, invitation } = await invite({ note: 'for Bob', validDays: 3 });
    expect(Date.parse(invitation.expiresAt) - Date.now()).toBeGreaterThan(3 * DAY_MS - 60_000);
    const name = uniqueName('bob');
    const response = await register(server, { username: name, invitation: code });
    expect(response.status).toBe(201);
    const bob = (await response.json()).user;
    expect(bob.isAdmin).toBe(false);
    expect(bob.quotaBytes).toBe(1000);
    expect(await refusal(await register(server, { username: uniqueName(), invitation: code }))).toBe(
      'invalid_invitation',
    );
    const { invitations } = await admin.api.expect(200, 'GET', '/admin/invitations');
    const listed = invitations.find((entry: { id: string }) => entry.id === invitation.id);
    expect(listed).toMatchObject({ note: 'for Bob', usedBy: name });
    expect(listed.usedAt).not.toBeNull();
    expect(JSON.stringify(invitations)).not.toContain(code);
    const rows = await server.deps.database.db.query.invitations.findMany();
    const row = rows.find((entry) => entry.id === invitation.id);
    expect(row?.codeHash).toBe(createHash('sha256').update(code).digest('hex'));
    expect(JSON.stringify(rows)).not.toContain(code);
  });

  it('refuses an expired invitation', async () => {
    const { code } = await invite({ validDays: 1 });
    server.clock.advance(DAY_MS + 1000);
    expect(await refusal(await register(server, { username: uniqueName(), invitation: code }))).toBe(
      'invalid_invitation',
    );
  });

  it('refuses a revoked invitation, and 404s one that is gone', async () => {
    const { code, invitation } = await invite();
    await admin.api.expect(204, 'DELETE', `/admin/invitations/${invitation.id}`);
    expect(await refusal(await register(server, { username: uniqueName(), invitation: code }))).toBe(
      'invalid_invitation',
    );
    await admin.api.expect(404, 'DELETE', `/admin/invitations/${invitation.id}`);
  });

  it('keeps an invitation usable when the registration fails for another reason', async () => {
    const { code } = await invite();
    const taken = await register(server, { username: admin.user.username.toUpperCase(), invitation: code });
    expect(taken.status).toBe(409);
    expect((await register(server, { username: uniqueName(), invitation: code })).status).toBe(201);
  });

  it('lets exactly one of several parallel registrations use one invitation', async () => {
    const { code, invitation } = await invite();
    const names = Array.from({ length: 8 }, () => uniqueName('racer'));
    const responses = await Promise.all(
      names.map((username) => register(server, { username, invitation: code })),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(statuses.filter((status) => status === 403)).toHaveLength(names.length - 1);
    const winner = names[statuses.indexOf(201)];
    const { invitations } = await admin.api.expect(200, 'GET', '/admin/invitations');
    expect(invitations.find((entry: { id: string }) => entry.id === invitation.id).usedBy).toBe(winner);
    const users = await server.deps.database.db.query.users.findMany();
    expect(users.filter((user) => names.includes(user.username))).toHaveLength(1);
  });

  it('keeps invitations to administrators', async () => {
    const { code } = await invite();
    const user = await register(server, { username: uniqueName(), invitation: code });
    const member = new Api(server.origin, (await user.json()).token);
    expect((await member.expect(403, 'POST', '/admin/invitations', { json: {} })).error.code).toBe(
      'forbidden',
    );
    await member.expect(403, 'GET', '/admin/invitations');
  });
});

describe.each(driverSets())('closed registration (%s)', (set) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(set, { env: { REGISTRATION: 'closed' } });
  });
  afterAll(() => server.close());

  it('lets only the first account in, not even with an invitation', async () => {
    expect(await modeOf(server)).toBe('open');
    const admin = await signUp(server, uniqueName('admin'));
    expect(await modeOf(server)).toBe('closed');
    const { code } = await admin.api.expect(201, 'POST', '/admin/invitations', { json: {} });
    for (const body of [{ username: uniqueName() }, { username: uniqueName(), invitation: code }]) {
      const response = await register(server, body);
      expect(response.status).toBe(403);
      expect((await response.json()).error.code).toBe('registration_closed');
    }
  });
});

describe.each(driverSets())('open registration (%s)', (set) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(set, {
      env: { REGISTRATION: 'open', REGISTRATION_LIMIT_PER_ADDRESS: '3', TRUST_PROXY: 'true' },
    });
  });
  afterAll(() => server.close());

  it('lets anyone in with no quota, but only so many accounts per address, however parallel', async () => {
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => register(server, { username: uniqueName() }, '203.0.113.5')),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(3);
    expect(statuses.filter((status) => status === 429)).toHaveLength(7);
    const limited = responses[statuses.indexOf(429)];
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    const other = await register(server, { username: uniqueName() }, '203.0.113.6');
    expect(other.status).toBe(201);
    expect((await other.json()).user.quotaBytes).toBeNull();
    expect((await server.deps.database.db.query.users.findMany()).length).toBe(4);
  });
});

import { createHash } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shareLinks } from '../src/features/shares/shares.table.ts';
import { signUp, uniqueName } from './client.ts';
import { driverSets, startServer, type TestServer } from './harness.ts';

describe.each(driverSets())('managing my links (%s)', (set) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(set);
  });
  afterAll(() => server.close());

  it('makes a link with a random token shown once, lists it without the token, and revokes it', async () => {
    const { api } = await signUp(server, uniqueName());
    const folder = await api.expect(201, 'POST', '/folders', { json: { parentId: 'root', name: 'Trip' } });
    const created = await api.expect(201, 'POST', '/shares', {
      json: { nodeId: folder.id, kind: 'link', password: 'open sesame', maxDownloads: 3 },
    });
    expect(created.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(created.url).toBe(`${server.origin}/s/${created.token}`);
    expect(created).toMatchObject({
      nodeId: folder.id,
      nodeName: 'Trip',
      nodeKind: 'folder',
      kind: 'link',
      status: 'active',
      hasPassword: true,
      maxDownloads: 3,
      downloads: 0,
      lastAccessAt: null,
    });
    const second = await api.expect(201, 'POST', '/shares', { json: { nodeId: folder.id, kind: 'drop' } });
    expect(second.token).not.toBe(created.token);

    const listed = await api.expect(200, 'GET', `/shares?nodeId=${folder.id}`);
    expect(listed.items.map((share: { id: string }) => share.id)).toEqual([second.id, created.id]);
    expect(JSON.stringify(listed)).not.toContain(created.token);
    const [row] = await server.deps.database.db
      .select({ tokenHash: shareLinks.tokenHash })
      .from(shareLinks)
      .where(eq(shareLinks.id, created.id));
    expect(row?.tokenHash).toBe(createHash('sha256').update(created.token).digest('hex'));

    await api.expect(204, 'DELETE', `/shares/${created.id}`);
    await api.expect(404, 'GET', `/shares/${created.id}`);
    await api.expect(404, 'DELETE', `/shares/${created.id}`);
  });

  it('changes a link’s settings and removes them with null', async () => {
    const { api } = await signUp(server, uniqueName());
    const file = await (await api.upload('root', 'notes.txt', 'hello')).json();
    const share = await api.expect(201, 'POST', '/shares', { json: { nodeId: file.id, kind: 'link' } });
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const changed = await api.expect(200, 'PATCH', `/shares/${share.id}`, {
      json: { password: 'secret', expiresAt, maxDownloads: 5 },
    });
    expect(changed).toMatchObject({ hasPassword: true, expiresAt, maxDownloads: 5 });
    const cleared = await api.expect(200, 'PATCH', `/shares/${share.id}`, {
      json: { password: null, expiresAt: null, maxDownloads: null },
    });
    expect(cleared).toMatchObject({ hasPassword: false, expiresAt: null, maxDownloads: null });
  });

  it('refuses what can’t be shared, and someone else’s node is not found', async () => {
    const { api } = await signUp(server, uniqueName());
    const other = await signUp(server, uniqueName());
    const file = await (await api.upload('root', 'a.txt', 'a')).json();
    const root = await api.expect(200, 'GET', '/folders/root');
    const refused = await api.expect(400, 'POST', '/shares', {
      json: { nodeId: root.folder.id, kind: 'link' },
    });
    expect(refused.error.code).toBe('invalid_share');
    const drop = await api.expect(400, 'POST', '/shares', { json: { nodeId: file.id, kind: 'drop' } });
    expect(drop.error.code).toBe('invalid_share');
    const past = await api.expect(400, 'POST', '/shares', {
      json: { nodeId: file.id, kind: 'link', expiresAt: '2001-01-01T00:00:00.000Z' },
    });
    expect(past.error.code).toBe('invalid_share');
    const mixed = await api.expect(400, 'POST', '/shares', {
      json: { nodeId: file.id, kind: 'link', maxFiles: 3 },
    });
    expect(mixed.error.code).toBe('invalid_share');
    await other.api.expect(404, 'POST', '/shares', { json: { nodeId: file.id, kind: 'link' } });
    const mine = await api.expect(201, 'POST', '/shares', { json: { nodeId: file.id, kind: 'link' } });
    await other.api.expect(404, 'GET', `/shares/${mine.id}`);
    await other.api.expect(404, 'PATCH', `/shares/${mine.id}`, { json: { maxDownloads: 1 } });
    await other.api.expect(404, 'DELETE', `/shares/${mine.id}`);
    expect((await other.api.expect(200, 'GET', '/shares')).items).toEqual([]);
    await api.expect(204, 'DELETE', `/nodes/${file.id}`);
    await api.expect(404, 'POST', '/shares', { json: { nodeId: file.id, kind: 'link' } });
  });
});

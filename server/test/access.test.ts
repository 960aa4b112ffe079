import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SignedUp, signUp, uniqueName } from './client.ts';
import { driverSets, startServer, type TestServer } from './harness.ts';

describe.each(driverSets())('one user can not reach another user’s things (%s)', (set) => {
  let server: TestServer;
  let owner: SignedUp;
  let stranger: SignedUp;
  let folderId: string;
  let fileId: string;
  let trashedId: string;
  let sessionId: string;

  beforeAll(async () => {
    server = await startServer(set);
    owner = await signUp(server, uniqueName('owner'));
    stranger = await signUp(server, uniqueName('stranger'));
    folderId = (
      await owner.api.expect(201, 'POST', '/folders', { json: { parentId: 'root', name: 'Private' } })
    ).id;
    fileId = (await (await owner.api.upload(folderId, 'secret.txt', 'top secret')).json()).id;
    trashedId = (await owner.api.expect(201, 'POST', '/folders', { json: { parentId: 'root', name: 'Old' } }))
      .id;
    await owner.api.expect(204, 'DELETE', `/nodes/${trashedId}`);
    sessionId = (await owner.api.expect(200, 'GET', '/me/sessions')).sessions[0].id;
  });
  afterAll(() => server.close());

  it('answers 404, never 403, on every route that takes an id', async () => {
    const routes: [string, string, { json?: unknown; body?: string }?][] = [
      ['GET', `/folders/${folderId}`],
      ['POST', '/folders', { json: { parentId: folderId, name: 'intruder' } }],
      ['PUT', `/folders/${folderId}/files/intruder.txt`, { body: 'x' }],
      ['GET', `/nodes/${fileId}`],
      ['GET', `/files/${fileId}`],
      ['GET', `/files/${fileId}/content`],
      ['PATCH', `/nodes/${fileId}`, { json: { name: 'stolen.txt' } }],
      [
        'PATCH',
        `/nodes/${(await stranger.api.expect(201, 'POST', '/folders', { json: { parentId: 'root', name: 'Mine' } })).id}`,
        { json: { parentId: folderId } },
      ],
      ['DELETE', `/nodes/${fileId}`],
      ['POST', `/nodes/${trashedId}/restore`],
      ['DELETE', `/trash/${trashedId}`],
      ['DELETE', `/me/sessions/${sessionId}`],
    ];
    for (const [method, path, options] of routes) {
      const response = await stranger.api.request(method, path, options);
      expect(response.status, `${method} ${path}`).toBe(404);
      expect((await response.json()).error.code, `${method} ${path}`).toBe('not_found');
    }
    // Nothing changed for the owner.
    const file = await owner.api.expect(200, 'GET', `/files/${fileId}`);
    expect(file.name).toBe('secret.txt');
    expect(file.trashedAt).toBeNull();
    expect(await (await owner.api.request('GET', `/files/${fileId}/content`)).text()).toBe('top secret');
    const listing = await owner.api.expect(200, 'GET', `/folders/${folderId}`);
    expect(listing.children.map((n: { name: string }) => n.name)).toEqual(['secret.txt']);
    expect((await owner.api.expect(200, 'GET', '/trash')).items.map((n: { id: string }) => n.id)).toEqual([
      trashedId,
    ]);
    await owner.api.expect(200, 'GET', '/me');
  });

  it('shows nothing of another user in listings', async () => {
    expect(
      (await stranger.api.expect(200, 'GET', '/folders/root')).children.map((n: { name: string }) => n.name),
    ).toEqual(['Mine']);
    expect((await stranger.api.expect(200, 'GET', '/trash')).items).toEqual([]);
    expect((await stranger.api.expect(200, 'GET', '/me/sessions')).sessions).toHaveLength(1);
  });

  it('keeps administration to administrators (403 for others)', async () => {
    const body = await stranger.api.expect(403, 'GET', '/admin/users');
    expect(body.error.code).toBe('forbidden');
    await stranger.api.expect(403, 'PATCH', `/admin/users/${stranger.user.id}`, { json: { isAdmin: true } });
  });
});

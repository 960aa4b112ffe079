import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, type SignedUp, signUp, uniqueName } from './client.ts';
import { driverSets, startServer, type TestServer } from './harness.ts';
import { sendPart, startUpload, uploadAll } from './uploads-client.ts';

const names = (listing: { children: { name: string }[] }) => listing.children.map((child) => child.name);

/** The status and error code of a request, for the refusals. */
async function refusal(api: Api, method: string, path: string, options?: Parameters<Api['request']>[2]) {
  const response = await api.request(method, path, options);
  const body = await response.json().catch(() => ({}));
  return `${response.status} ${body.error?.code}`;
}

describe.each(driverSets())('sharing with people (%s)', (set) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(set);
  });
  afterAll(() => server.close());

  /** alice's tree: Shared (with Sub and notes.txt in it) and Private; bob is an editor of Shared, carol a viewer. */
  async function sharedTree() {
    const alice = await signUp(server, uniqueName('alice'));
    const bob = await signUp(server, uniqueName('bob'));
    const carol = await signUp(server, uniqueName('carol'));
    const dave = await signUp(server, uniqueName('dave'));
    const folder = (parentId: string, name: string) =>
      alice.api.expect(201, 'POST', '/folders', { json: { parentId, name } });
    const shared = await folder('root', 'Shared');
    const sub = await folder(shared.id, 'Sub');
    const priv = await folder('root', 'Private');
    const notes = await (await alice.api.upload(shared.id, 'notes.txt', 'hello notes')).json();
    const share = (who: SignedUp, role: string) =>
      alice.api.expect(201, 'POST', `/nodes/${shared.id}/members`, {
        json: { username: who.user.username, role },
      });
    await share(bob, 'editor');
    await share(carol, 'viewer');
    return { alice, bob, carol, dave, shared, sub, priv, notes };
  }

  it('adds members, and refuses a second time, an unknown user, oneself, the root and anyone but the owner', async () => {
    const { alice, bob, carol, dave, shared, priv } = await sharedTree();
    const added = await alice.api.expect(201, 'POST', `/nodes/${priv.id}/members`, {
      json: { username: dave.user.username, role: 'viewer' },
    });
    expect(added).toMatchObject({ userId: dave.user.id, username: dave.user.username, role: 'viewer' });
    const member = (username: string, role = 'viewer') => ({ json: { username, role } });
    const path = `/nodes/${shared.id}/members`;
    expect(await refusal(alice.api, 'POST', path, member(bob.user.username))).toBe('409 already_member');
    expect(await refusal(alice.api, 'POST', path, member('nobody-has-this-name'))).toBe('404 user_not_found');
    expect(await refusal(alice.api, 'POST', path, member(alice.user.username))).toBe('400 invalid_member');
    const root = (await alice.api.expect(200, 'GET', '/folders/root')).folder;
    expect(await refusal(alice.api, 'POST', `/nodes/${root.id}/members`, member(bob.user.username))).toBe(
      '400 invalid_operation',
    );
    expect(await refusal(bob.api, 'POST', path, member(dave.user.username))).toBe('403 forbidden');
    expect(await refusal(dave.api, 'POST', `/nodes/${shared.id}/members`, member(carol.user.username))).toBe(
      '404 not_found',
    );
    // Owner and members list them; nobody else learns the folder exists.
    for (const who of [alice, bob, carol]) {
      const { items } = await who.api.expect(200, 'GET', path);
      expect(items.map((m: { username: string; role: string }) => [m.username, m.role])).toEqual([
        [bob.user.username, 'editor'],
        [carol.user.username, 'viewer'],
      ]);
    }
    expect(await refusal(dave.api, 'GET', path)).toBe('404 not_found');
  });

  it('lets a viewer list, download and zip, and nothing else', async () => {
    const { alice, carol, shared, sub, notes } = await sharedTree();
    expect(names(await carol.api.expect(200, 'GET', `/folders/${shared.id}`))).toEqual(['Sub', 'notes.txt']);
    expect((await carol.api.expect(200, 'GET', `/nodes/${sub.id}`)).name).toBe('Sub');
    expect((await carol.api.expect(200, 'GET', `/files/${notes.id}`)).name).toBe('notes.txt');
    expect(await (await carol.api.request('GET', `/files/${notes.id}/content`)).text()).toBe('hello notes');
    const zip = await carol.api.request('GET', `/zip?ids=${shared.id}`);
    expect(zip.status).toBe(200);
    expect(zip.headers.get('content-type')).toBe('application/zip');
    expect((await zip.arrayBuffer()).byteLength).toBeGreaterThan(0);
    expect(`${(await carol.api.upload(shared.id, 'mine.txt', 'x')).status}`).toBe('403');
    const refused = [
      ['POST', '/folders', { json: { parentId: shared.id, name: 'New' } }],
      ['PATCH', `/nodes/${notes.id}`, { json: { name: 'renamed.txt' } }],
      ['DELETE', `/nodes/${notes.id}`],
      ['POST', '/uploads', { json: { parentId: shared.id, name: 'big.bin', size: 10 } }],
    ] as const;
    for (const [method, path, options] of refused)
      expect(await refusal(carol.api, method, path, options), `${method} ${path}`).toBe('403 forbidden');
    expect(names(await alice.api.expect(200, 'GET', `/folders/${shared.id}`))).toEqual(['Sub', 'notes.txt']);
  });

  it('lets an editor upload into the shared folder, simply and resumably, as the owner’s, on the owner’s quota', async () => {
    const { alice, bob, shared, sub } = await sharedTree();
    const before = (await alice.api.expect(200, 'GET', '/me')).usedBytes;
    const simple = await bob.api.upload(sub.id, 'from-bob.txt', '12345');
    expect(simple.status).toBe(201);
    const data = randomBytes(200_000);
    const session = await startUpload(bob.api, { parentId: shared.id, name: 'big.bin', size: data.length });
    expect((await alice.api.expect(200, 'GET', '/me')).reservedBytes).toBe(data.length);
    // The session is its starter's alone, wherever it goes.
    expect((await bob.api.expect(200, 'GET', '/uploads')).uploads.map((u: { id: string }) => u.id)).toEqual([
      session.id,
    ]);
    expect((await alice.api.expect(200, 'GET', '/uploads')).uploads).toEqual([]);
    expect(await refusal(alice.api, 'GET', `/uploads/${session.id}`)).toBe('404 not_found');
    expect(await refusal(alice.api, 'POST', `/uploads/${session.id}/complete`)).toBe('404 not_found');
    expect(await refusal(alice.api, 'DELETE', `/uploads/${session.id}`)).toBe('404 not_found');
    await uploadAll(bob.api, session, data);
    const file = await bob.api.expect(201, 'POST', `/uploads/${session.id}/complete`);
    expect(file.parentId).toBe(shared.id);
    const content = await (await alice.api.request('GET', `/files/${file.id}/content`)).arrayBuffer();
    expect(Buffer.from(content).equals(data)).toBe(true);
    const aliceNow = await alice.api.expect(200, 'GET', '/me');
    expect([aliceNow.usedBytes, aliceNow.reservedBytes]).toEqual([before + 5 + data.length, 0]);
    const bobNow = await bob.api.expect(200, 'GET', '/me');
    expect([bobNow.usedBytes, bobNow.reservedBytes]).toEqual([0, 0]);
    expect(names(await alice.api.expect(200, 'GET', `/folders/${sub.id}`))).toEqual(['from-bob.txt']);
    // What an editor adds, the owner can delete like anything of theirs.
    await alice.api.expect(204, 'DELETE', `/nodes/${file.id}`);
    await alice.api.expect(204, 'DELETE', `/trash/${file.id}`);
    expect((await alice.api.expect(200, 'GET', '/me')).usedBytes).toBe(before + 5);
  });

  it('moves within the shared tree only, and keeps the shared folder itself to its owner', async () => {
    const { alice, bob, shared, sub, priv, notes } = await sharedTree();
    const own = await bob.api.expect(201, 'POST', '/folders', { json: { parentId: 'root', name: 'Bobs' } });
    const made = await bob.api.expect(201, 'POST', '/folders', {
      json: { parentId: shared.id, name: 'Made' },
    });
    expect(
      (await bob.api.expect(200, 'PATCH', `/nodes/${notes.id}`, { json: { parentId: sub.id } })).parentId,
    ).toBe(sub.id);
    await bob.api.expect(200, 'PATCH', `/nodes/${made.id}`, { json: { name: 'Renamed', parentId: sub.id } });
    for (const parentId of [own.id, priv.id, 'root'])
      expect(await refusal(bob.api, 'PATCH', `/nodes/${notes.id}`, { json: { parentId } })).toBe(
        '404 not_found',
      );
    // Nor does one of bob's own come into alice's tree.
    expect(await refusal(bob.api, 'PATCH', `/nodes/${own.id}`, { json: { parentId: shared.id } })).toBe(
      '404 not_found',
    );
    for (const [method, path, options] of [
      ['PATCH', `/nodes/${shared.id}`, { json: { name: 'Mine now' } }],
      ['PATCH', `/nodes/${shared.id}`, { json: { parentId: sub.id } }],
      ['DELETE', `/nodes/${shared.id}`],
    ] as const)
      expect(await refusal(bob.api, method, path, options), `${method} ${path}`).toBe('403 forbidden');
    expect(names(await alice.api.expect(200, 'GET', `/folders/${sub.id}`))).toEqual(['Renamed', 'notes.txt']);
    expect(names(await alice.api.expect(200, 'GET', '/folders/root'))).toEqual(['Private', 'Shared']);
    expect(names(await bob.api.expect(200, 'GET', '/folders/root'))).toEqual(['Bobs']);
  });

  it('lets an editor trash, and keeps the trash (listing, restoring, purging) to the owner', async () => {
    const { alice, bob, notes } = await sharedTree();
    await bob.api.expect(204, 'DELETE', `/nodes/${notes.id}`);
    expect(await refusal(bob.api, 'GET', `/nodes/${notes.id}`)).toBe('404 not_found');
    expect((await bob.api.expect(200, 'GET', '/trash')).items).toEqual([]);
    expect(await refusal(bob.api, 'POST', `/nodes/${notes.id}/restore`)).toBe('404 not_found');
    expect(await refusal(bob.api, 'DELETE', `/trash/${notes.id}`)).toBe('404 not_found');
    await bob.api.expect(204, 'DELETE', '/trash');
    expect((await alice.api.expect(200, 'GET', '/trash')).items.map((n: { id: string }) => n.id)).toEqual([
      notes.id,
    ]);
    await alice.api.expect(200, 'POST', `/nodes/${notes.id}/restore`);
    expect((await bob.api.expect(200, 'GET', `/nodes/${notes.id}`)).name).toBe('notes.txt');
  });

  it('answers 404 to everyone the node is not shared with', async () => {
    const { dave, shared, sub, priv, notes, bob } = await sharedTree();
    const routes = [
      ['GET', `/folders/${shared.id}`],
      ['GET', `/nodes/${sub.id}`],
      ['GET', `/files/${notes.id}`],
      ['GET', `/files/${notes.id}/content`],
      ['GET', `/zip?ids=${notes.id}`],
      ['POST', '/folders', { json: { parentId: shared.id, name: 'x' } }],
      ['PATCH', `/nodes/${notes.id}`, { json: { name: 'y' } }],
      ['DELETE', `/nodes/${notes.id}`],
      ['PUT', `/folders/${shared.id}/files/z.txt`, { body: 'z' }],
      ['POST', '/uploads', { json: { parentId: shared.id, name: 'z.bin', size: 1 } }],
    ] as const;
    for (const [method, path, options] of routes)
      expect(await refusal(dave.api, method, path, options), `${method} ${path}`).toBe('404 not_found');
    // A member reaches what was shared, not what is beside it.
    expect(await refusal(bob.api, 'GET', `/folders/${priv.id}`)).toBe('404 not_found');
  });

  it('lists what others shared with me, leaving out what they put in the trash', async () => {
    const { alice, bob, carol, dave, shared, notes } = await sharedTree();
    await alice.api.expect(201, 'POST', `/nodes/${notes.id}/members`, {
      json: { username: dave.user.username, role: 'editor' },
    });
    const owner = { id: alice.user.id, username: alice.user.username };
    const items = async (who: SignedUp) =>
      (await who.api.expect(200, 'GET', '/shared')).items.map(
        (item: { node: { id: string }; owner: unknown; role: string }) => [
          item.node.id,
          item.owner,
          item.role,
        ],
      );
    expect(await items(bob)).toEqual([[shared.id, owner, 'editor']]);
    expect(await items(carol)).toEqual([[shared.id, owner, 'viewer']]);
    expect(await items(dave)).toEqual([[notes.id, owner, 'editor']]);
    expect(await items(alice)).toEqual([]);
    await alice.api.expect(204, 'DELETE', `/nodes/${shared.id}`);
    expect(await items(bob)).toEqual([]);
    expect(await items(dave)).toEqual([]);
    expect(await refusal(bob.api, 'GET', `/folders/${shared.id}`)).toBe('404 not_found');
    await alice.api.expect(200, 'POST', `/nodes/${shared.id}/restore`);
    expect(await items(bob)).toEqual([[shared.id, owner, 'editor']]);
  });

  it('makes a role change and a removal count at once', async () => {
    const { alice, bob, carol, dave, shared } = await sharedTree();
    const members = `/nodes/${shared.id}/members`;
    // Each reads first, so that what the server holds of their memberships is warm.
    expect((await bob.api.upload(shared.id, 'one.txt', '1')).status).toBe(201);
    await carol.api.expect(200, 'GET', `/folders/${shared.id}`);
    const changed = await alice.api.expect(200, 'PATCH', `${members}/${bob.user.id}`, {
      json: { role: 'viewer' },
    });
    expect(changed).toMatchObject({ userId: bob.user.id, role: 'viewer' });
    expect((await bob.api.upload(shared.id, 'two.txt', '2')).status).toBe(403);
    await alice.api.expect(200, 'PATCH', `${members}/${carol.user.id}`, { json: { role: 'editor' } });
    expect((await carol.api.upload(shared.id, 'three.txt', '3')).status).toBe(201);
    // Only the owner changes roles or removes others; a member may leave.
    expect(await refusal(carol.api, 'PATCH', `${members}/${bob.user.id}`, { json: { role: 'editor' } })).toBe(
      '403 forbidden',
    );
    expect(await refusal(carol.api, 'DELETE', `${members}/${bob.user.id}`)).toBe('403 forbidden');
    expect(
      await refusal(alice.api, 'PATCH', `${members}/${dave.user.id}`, { json: { role: 'editor' } }),
    ).toBe('404 not_found');
    await alice.api.expect(204, 'DELETE', `${members}/${bob.user.id}`);
    expect(await refusal(bob.api, 'GET', `/folders/${shared.id}`)).toBe('404 not_found');
    await carol.api.expect(204, 'DELETE', `${members}/${carol.user.id}`);
    expect(await refusal(carol.api, 'GET', `/folders/${shared.id}`)).toBe('404 not_found');
    expect((await alice.api.expect(200, 'GET', members)).items).toEqual([]);
  });

  it('refuses to complete a session whose starter lost the right to write meanwhile, and releases nothing twice', async () => {
    const { alice, bob, shared } = await sharedTree();
    const data = randomBytes(1000);
    const session = await startUpload(bob.api, { parentId: shared.id, name: 'late.bin', size: data.length });
    expect((await sendPart(bob.api, session, 1, data)).status).toBe(200);
    await alice.api.expect(200, 'PATCH', `/nodes/${shared.id}/members/${bob.user.id}`, {
      json: { role: 'viewer' },
    });
    expect(await refusal(bob.api, 'POST', `/uploads/${session.id}/complete`)).toBe('403 forbidden');
    expect(names(await alice.api.expect(200, 'GET', `/folders/${shared.id}`))).toEqual(['Sub', 'notes.txt']);
    await bob.api.expect(204, 'DELETE', `/uploads/${session.id}`);
    expect((await alice.api.expect(200, 'GET', '/me')).reservedBytes).toBe(0);
  });
});

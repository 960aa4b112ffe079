import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, signUp, uniqueName } from './client.ts';
import { driverSets, startServer, type TestServer } from './harness.ts';

describe.each(driverSets())('folders and the trash (%s)', (set) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(set);
  });
  afterAll(() => server.close());

  async function folder(api: Api, parentId: string, name: string) {
    return api.expect(201, 'POST', '/folders', { json: { parentId, name } });
  }

  it('creates, lists, renames and moves folders', async () => {
    const { api } = await signUp(server, uniqueName());
    const docs = await folder(api, 'root', 'Docs');
    const photos = await folder(api, 'root', 'Photos');
    const inner = await folder(api, docs.id, 'Inner');
    expect(inner.parentId).toBe(docs.id);

    const root = await api.expect(200, 'GET', '/folders/root');
    expect(root.children.map((n: { name: string }) => n.name)).toEqual(['Docs', 'Photos']);
    expect(docs.parentId).toBe(root.folder.id);

    const renamed = await api.expect(200, 'PATCH', `/nodes/${inner.id}`, { json: { name: 'Renamed' } });
    expect(renamed.name).toBe('Renamed');
    const moved = await api.expect(200, 'PATCH', `/nodes/${inner.id}`, { json: { parentId: photos.id } });
    expect(moved.parentId).toBe(photos.id);
    expect((await api.expect(200, 'GET', `/folders/${photos.id}`)).children).toHaveLength(1);
    expect((await api.expect(200, 'GET', `/folders/${docs.id}`)).children).toHaveLength(0);
    const back = await api.expect(200, 'PATCH', `/nodes/${inner.id}`, { json: { parentId: 'root' } });
    expect(back.parentId).toBe(root.folder.id);
  });

  it('refuses to move a folder into itself or below itself', async () => {
    const { api } = await signUp(server, uniqueName());
    const a = await folder(api, 'root', 'A');
    const b = await folder(api, a.id, 'B');
    const c = await folder(api, b.id, 'C');
    for (const target of [a.id, b.id, c.id]) {
      const body = await api.expect(400, 'PATCH', `/nodes/${a.id}`, { json: { parentId: target } });
      expect(body.error.code).toBe('invalid_move');
    }
  });

  it('refuses a second node with the same name in a folder (409)', async () => {
    const { api } = await signUp(server, uniqueName());
    await folder(api, 'root', 'Same');
    const body = await api.expect(409, 'POST', '/folders', { json: { parentId: 'root', name: 'Same' } });
    expect(body.error.code).toBe('name_taken');
    const other = await folder(api, 'root', 'Other');
    await api.expect(409, 'PATCH', `/nodes/${other.id}`, { json: { name: 'Same' } });
  });

  it('pages through a folder with a cursor in every sort order, folders first', async () => {
    const { api } = await signUp(server, uniqueName());
    const parent = await folder(api, 'root', 'Many');
    const names = ['b', 'A', 'c', 'D', 'e', 'f', 'G'];
    for (const name of names) await folder(api, parent.id, name);
    for (const [i, name] of ['z.txt', 'y.txt', 'x.txt'].entries()) {
      await api.expect(201, 'PUT', `/folders/${parent.id}/files/${name}`, { body: 'x'.repeat(i + 1) });
    }
    for (const sort of ['name', 'size', 'updatedAt', 'createdAt']) {
      for (const order of ['asc', 'desc']) {
        const seen: { name: string; kind: string }[] = [];
        let cursor: string | null = null;
        do {
          const query: string = `?limit=3&sort=${sort}&order=${order}${cursor ? `&cursor=${cursor}` : ''}`;
          const page: { children: { name: string; kind: string }[]; nextCursor: string | null } =
            await api.expect(200, 'GET', `/folders/${parent.id}${query}`);
          expect(page.children.length).toBeLessThanOrEqual(3);
          seen.push(...page.children);
          cursor = page.nextCursor;
        } while (cursor);
        expect(seen).toHaveLength(10);
        expect(new Set(seen.map((n) => n.name)).size).toBe(10);
        expect(seen.slice(0, 7).every((n) => n.kind === 'folder')).toBe(true);
        if (sort === 'name') {
          const folders = seen.slice(0, 7).map((n) => n.name.toLowerCase());
          const sorted = [...folders].sort();
          expect(folders).toEqual(order === 'asc' ? sorted : sorted.reverse());
        }
        if (sort === 'size') {
          const files = seen.slice(7).map((n) => n.name);
          expect(files).toEqual(order === 'asc' ? ['z.txt', 'y.txt', 'x.txt'] : ['x.txt', 'y.txt', 'z.txt']);
        }
      }
    }
    const bad = await api.expect(400, 'GET', `/folders/${parent.id}?cursor=not-a-cursor`);
    expect(bad.error.code).toBe('invalid_cursor');
  });

  it('trashes, lists the trash, restores, and purges, freeing the quota', async () => {
    const { api } = await signUp(server, uniqueName());
    const box = await folder(api, 'root', 'Box');
    const file = await api.expect(201, 'PUT', `/folders/${box.id}/files/data.bin`, {
      body: 'z'.repeat(1000),
    });
    expect((await api.expect(200, 'GET', '/me')).usedBytes).toBe(1000);

    await api.expect(204, 'DELETE', `/nodes/${box.id}`);
    expect((await api.expect(200, 'GET', '/folders/root')).children).toHaveLength(0);
    const trash = await api.expect(200, 'GET', '/trash');
    expect(trash.items.map((n: { id: string }) => n.id)).toEqual([box.id]);
    // Inside a trashed folder nothing can be added.
    await api.expect(404, 'POST', '/folders', { json: { parentId: box.id, name: 'x' } });
    // Trashed files still count until purged.
    expect((await api.expect(200, 'GET', '/me')).usedBytes).toBe(1000);

    const restored = await api.expect(200, 'POST', `/nodes/${box.id}/restore`);
    expect(restored.trashedAt).toBeNull();
    expect(
      (await api.expect(200, 'GET', `/folders/${box.id}`)).children.map((n: { id: string }) => n.id),
    ).toEqual([file.id]);

    await api.expect(204, 'DELETE', `/nodes/${box.id}`);
    await api.expect(204, 'DELETE', `/trash/${box.id}`);
    expect((await api.expect(200, 'GET', '/trash')).items).toHaveLength(0);
    expect((await api.expect(200, 'GET', '/me')).usedBytes).toBe(0);
    await api.expect(404, 'GET', `/files/${file.id}`);
    await api.expect(404, 'GET', `/nodes/${box.id}`);
  });

  it('restores under a new name when the old one was taken meanwhile, and into the root when the folder is gone', async () => {
    const { api } = await signUp(server, uniqueName());
    const first = await folder(api, 'root', 'Report');
    await api.expect(204, 'DELETE', `/nodes/${first.id}`);
    await folder(api, 'root', 'Report');
    const restored = await api.expect(200, 'POST', `/nodes/${first.id}/restore`);
    expect(restored.name).toBe('Report (2)');

    const outer = await folder(api, 'root', 'Outer');
    const child = await folder(api, outer.id, 'Child');
    await api.expect(204, 'DELETE', `/nodes/${child.id}`);
    await api.expect(204, 'DELETE', `/nodes/${outer.id}`);
    const back = await api.expect(200, 'POST', `/nodes/${child.id}/restore`);
    const root = await api.expect(200, 'GET', '/folders/root');
    expect(back.parentId).toBe(root.folder.id);
  });

  it('empties the trash', async () => {
    const { api } = await signUp(server, uniqueName());
    const a = await folder(api, 'root', 'a');
    const b = await folder(api, a.id, 'b');
    await api.expect(201, 'PUT', `/folders/${b.id}/files/f.txt`, { body: 'hello' });
    await api.expect(204, 'DELETE', `/nodes/${b.id}`);
    await api.expect(204, 'DELETE', `/nodes/${a.id}`);
    expect((await api.expect(200, 'GET', '/trash')).items).toHaveLength(2);
    await api.expect(204, 'DELETE', '/trash');
    expect((await api.expect(200, 'GET', '/trash')).items).toHaveLength(0);
    expect((await api.expect(200, 'GET', '/me')).usedBytes).toBe(0);
  });

  it('keeps the root folder fixed', async () => {
    const { api } = await signUp(server, uniqueName());
    const root = await api.expect(200, 'GET', '/folders/root');
    await api.expect(400, 'DELETE', `/nodes/${root.folder.id}`);
    await api.expect(400, 'PATCH', `/nodes/${root.folder.id}`, { json: { name: 'x' } });
  });
});

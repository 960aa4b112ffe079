import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, signUp, uniqueName } from './client.ts';
import { driverSets, startServer, type TestServer } from './harness.ts';
import { startUpload, uploadAll } from './uploads-client.ts';

/** The raw JSON of one node as the Node schema's serialiser writes it (GET /nodes/{id}). */
async function nodeAsServed(api: Api, id: string): Promise<string> {
  const response = await api.request('GET', `/nodes/${id}`);
  expect(response.status).toBe(200);
  return response.text();
}

// Pages of nodes are written by PostgreSQL as JSON (nodes.repository.ts), not by the schema's
// serialiser; they must come out byte for byte as the serialiser writes the same nodes.
describe.each(driverSets())('pages of nodes as JSON (%s)', (set) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(set);
  });
  afterAll(() => server.close());

  it('lists every field of every kind of node exactly as a single node is served', async () => {
    const { api } = await signUp(server, uniqueName());
    const folder = await api.expect(201, 'POST', '/folders', { json: { parentId: 'root', name: 'Mixed' } });
    await api.expect(201, 'POST', '/folders', { json: { parentId: folder.id, name: 'Sub "folder" \\ ü' } });
    const text = 'plain text\n';
    await api.expect(201, 'PUT', `/folders/${folder.id}/files/notes.txt`, {
      body: text,
      headers: {
        'content-type': 'text/plain; charset=utf-8',
        'x-content-sha256': createHash('sha256').update(text).digest('hex'),
      },
    });
    await api.expect(201, 'PUT', `/folders/${folder.id}/files/${encodeURIComponent('日本語 ☃.bin')}`, {
      body: new Uint8Array([0, 1, 2, 3]),
    });
    await api.expect(201, 'PUT', `/folders/${folder.id}/files/empty`, { body: '' });
    const packed = gzipSync('compress me '.repeat(100));
    const gzip = { encoding: 'gzip', size: 1200, storedSize: packed.length };
    const session = await startUpload(api, { parentId: folder.id, name: 'packed.txt', ...gzip });
    await uploadAll(api, session, packed);
    await api.expect(201, 'POST', `/uploads/${session.id}/complete`);

    const response = await api.request('GET', `/folders/${folder.id}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const raw = await response.text();
    const page = JSON.parse(raw);
    expect(page.children).toHaveLength(5);
    expect(page.nextCursor).toBeNull();
    expect(JSON.stringify(page.folder)).toBe(await nodeAsServed(api, folder.id));
    for (const child of page.children) expect(JSON.stringify(child)).toBe(await nodeAsServed(api, child.id));
    // Re-serialising changes nothing, so the page itself is plain compact JSON in the schema's order.
    expect(JSON.stringify(page)).toBe(raw);
    expect(Object.keys(page)).toEqual(['folder', 'children', 'nextCursor']);
    const described = page.children.map((child: { kind: string; encoding: string | null }) => [
      child.kind,
      child.encoding,
    ]);
    expect(described).toEqual([
      ['folder', null],
      ['file', 'identity'],
      ['file', 'identity'],
      ['file', 'gzip'],
      ['file', 'identity'],
    ]);
  });

  it('serves the trash the same way, with the time each node went there', async () => {
    const { api } = await signUp(server, uniqueName());
    const folder = await api.expect(201, 'POST', '/folders', { json: { parentId: 'root', name: 'Gone' } });
    const file = await (await api.upload('root', 'gone.txt', 'bye')).json();
    await api.expect(204, 'DELETE', `/nodes/${folder.id}`);
    await api.expect(204, 'DELETE', `/nodes/${file.id}`);

    const response = await api.request('GET', '/trash?limit=1');
    const raw = await response.text();
    const first = JSON.parse(raw);
    expect(Object.keys(first)).toEqual(['items', 'nextCursor']);
    expect(JSON.stringify(first)).toBe(raw);
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await api.expect(200, 'GET', `/trash?limit=1&cursor=${first.nextCursor}`);
    expect(second.nextCursor).toBeNull();
    for (const item of [...first.items, ...second.items]) {
      expect(item.trashedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(JSON.stringify(item)).toBe(await nodeAsServed(api, item.id));
    }
    expect([...first.items, ...second.items].map((item) => item.name)).toEqual(['Gone', 'gone.txt']);
  });

  it('shows every write at once in a folder whose pages are cached', async () => {
    const { api } = await signUp(server, uniqueName());
    const folder = await api.expect(201, 'POST', '/folders', { json: { parentId: 'root', name: 'Busy' } });
    const other = await api.expect(201, 'POST', '/folders', { json: { parentId: 'root', name: 'Other' } });
    /** The folder's children as name:size, read twice so the second read can come from the cache. */
    async function listing(id = folder.id) {
      await api.expect(200, 'GET', `/folders/${id}?limit=2`);
      const { children } = await api.expect(200, 'GET', `/folders/${id}`);
      return children.map((child: { name: string; size: number | null }) => `${child.name}:${child.size}`);
    }
    expect(await listing()).toEqual([]);
    if (server.deps.cache.driver !== 'none')
      expect(await server.deps.cache.get(`children-version:${folder.id}`)).toEqual(expect.any(String));

    const sub = await api.expect(201, 'POST', '/folders', { json: { parentId: folder.id, name: 'Sub' } });
    expect(await listing()).toEqual(['Sub:null']);
    const file = await (await api.upload(folder.id, 'a.txt', 'four')).json();
    expect(await listing()).toEqual(['Sub:null', 'a.txt:4']);
    await api.expect(200, 'PUT', `/folders/${folder.id}/files/a.txt?onConflict=replace`, { body: 'seven!!' });
    expect(await listing()).toEqual(['Sub:null', 'a.txt:7']);
    await api.expect(200, 'PATCH', `/nodes/${file.id}`, { json: { name: 'b.txt' } });
    expect(await listing()).toEqual(['Sub:null', 'b.txt:7']);
    expect(await listing(other.id)).toEqual([]);
    await api.expect(200, 'PATCH', `/nodes/${file.id}`, { json: { parentId: other.id } });
    expect(await listing()).toEqual(['Sub:null']);
    expect(await listing(other.id)).toEqual(['b.txt:7']);
    await api.expect(200, 'PATCH', `/nodes/${file.id}`, { json: { parentId: folder.id } });
    expect(await listing(other.id)).toEqual([]);
    await api.expect(204, 'DELETE', `/nodes/${sub.id}`);
    expect(await listing()).toEqual(['b.txt:7']);
    await api.expect(200, 'POST', `/nodes/${sub.id}/restore`);
    expect(await listing()).toEqual(['Sub:null', 'b.txt:7']);
    const session = await startUpload(api, { parentId: folder.id, name: 'c.bin', size: 3 });
    await uploadAll(api, session, Buffer.from('abc'));
    await api.expect(201, 'POST', `/uploads/${session.id}/complete`);
    expect(await listing()).toEqual(['Sub:null', 'b.txt:7', 'c.bin:3']);
  });
});

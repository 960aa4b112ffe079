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
});

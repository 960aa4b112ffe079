import net from 'node:net';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Api, serverWithOneUser } from './client.ts';
import { driverSets, type TestServer } from './harness.ts';
import { startUpload, uploadAll } from './uploads-client.ts';

/** Numbers a JavaScript server can't count exactly, written as a client would send them. */
const UNCOUNTABLE = ['1e300', '9223372036854775808', '9007199254740994', '-1', '1.5'];

const cursorOf = (values: unknown) => Buffer.from(JSON.stringify(values)).toString('base64url');
const UUID = '00000000-0000-4000-8000-000000000000';

/** The status line of what the server answers to a hand-written request head, or '' if it closes silently. */
async function statusOfRawRequest(server: TestServer, head: string): Promise<string> {
  const { port } = new URL(server.origin);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (received.includes('\r\n')) socket.destroy();
    });
    socket.on('close', () => resolve(received.split('\r\n')[0] ?? ''));
    socket.on('error', () => {});
    socket.write(head);
    setTimeout(() => socket.destroy(), 3000);
  });
}

describe.each(driverSets())('input the server must refuse cleanly (%s)', (set) => {
  const context = serverWithOneUser(set);
  let server: TestServer;
  let api: Api;
  beforeAll(() => {
    ({ server, api } = context);
  });

  async function errorCode(response: Response) {
    return {
      status: response.status,
      code: ((await response.json()) as { error?: { code?: string } }).error?.code,
    };
  }

  it('refuses sizes it can’t count in a new upload session, as 400', async () => {
    for (const number of UNCOUNTABLE) {
      for (const body of [
        `{"parentId":"root","name":"big.bin","size":${number}}`,
        `{"parentId":"root","name":"big.txt","size":1000,"storedSize":${number},"encoding":"gzip"}`,
      ]) {
        const response = await api.request('POST', '/uploads', {
          body,
          headers: { 'content-type': 'application/json' },
        });
        expect({ body, ...(await errorCode(response)) }).toEqual({
          body,
          status: 400,
          code: 'invalid_request',
        });
      }
    }
    expect((await api.expect(200, 'GET', '/me')).reservedBytes).toBe(0);
  });

  it('refuses a simple upload or a part whose Content-Length it can’t count, as 400, without waiting for the body', async () => {
    for (const length of ['9223372036854775808', '9007199254740994', '18446744073709551616']) {
      const head =
        `PUT /api/v1/folders/root/files/huge.bin HTTP/1.1\r\nhost: 127.0.0.1\r\n` +
        `authorization: Bearer ${api.token}\r\ncontent-length: ${length}\r\n\r\n`;
      expect(await statusOfRawRequest(server, head), length).toMatch(/^HTTP\/1\.1 400 /);
    }
    const listing = await api.expect(200, 'GET', '/folders/root');
    expect(listing.children.map((node: { name: string }) => node.name)).not.toContain('huge.bin');
    const session = await startUpload(api, { name: 'parts.bin', size: 10 });
    for (const length of ['9223372036854775808', '9007199254740994']) {
      const head =
        `PUT /api/v1/uploads/${session.id}/parts/1 HTTP/1.1\r\nhost: 127.0.0.1\r\n` +
        `authorization: Bearer ${api.token}\r\ncontent-length: ${length}\r\n\r\n`;
      expect(await statusOfRawRequest(server, head), `part, ${length}`).toMatch(/^HTTP\/1\.1 400 /);
    }
  });

  it('answers 400 invalid_cursor to a cursor it did not issue, on every sort of a folder and the trash', async () => {
    const folder = await api.expect(201, 'POST', '/folders', { json: { parentId: 'root', name: 'paged' } });
    for (const name of ['a', 'b', 'c']) await api.upload(folder.id, name, name);
    const forged: Record<string, unknown[][]> = {
      // folders first (int), lower(name), name, id
      name: [
        ['x', 'a', 'a', UUID],
        ['99999999999', 'a', 'a', UUID],
        ['1', 'a\u0000', 'a', UUID],
        ['1', 'a', 'a', 'not-a-uuid'],
        ['1', 'a', 'a', `${UUID}x`],
      ],
      // folders first, coalesce(size, 0) (bigint), lower(name), name, id
      size: [
        ['1', '1e300', 'a', 'a', UUID],
        ['1', '9223372036854775808', 'a', 'a', UUID],
        ['1', '1.5', 'a', 'a', UUID],
      ],
      // folders first, updated_at (timestamptz), id
      updatedAt: [
        ['1', 'yesterday', UUID],
        ['1', '2024-02-30 10:00:00+00', UUID],
        ['1', '99999-01-01 00:00:00+00', UUID],
        ['1', 'epoch', UUID],
      ],
      createdAt: [['1', '', UUID]],
    };
    const garbage = [
      '!!!',
      cursorOf({ a: 1 }),
      cursorOf(['1', 'a']),
      Buffer.from('[1,').toString('base64url'),
    ];
    for (const base of [`/folders/${folder.id}`, '/trash']) {
      for (const [sort, cursors] of Object.entries(forged)) {
        for (const cursor of [...cursors.map(cursorOf), ...garbage]) {
          const response = await api.request('GET', `${base}?sort=${sort}&cursor=${cursor}`);
          const answer = { base, sort, cursor: Buffer.from(cursor, 'base64url').toString('utf8') };
          expect({ ...answer, ...(await errorCode(response)) }).toEqual({
            ...answer,
            status: 400,
            code: 'invalid_cursor',
          });
        }
      }
    }
  });

  it('still pages with the cursors it issued, on every sort', async () => {
    const folder = await api.expect(201, 'POST', '/folders', { json: { parentId: 'root', name: 'pages' } });
    for (const name of ['one', 'two', 'three']) await api.upload(folder.id, name, name);
    await api.expect(201, 'POST', '/folders', { json: { parentId: folder.id, name: 'sub' } });
    for (const sort of ['name', 'size', 'updatedAt', 'createdAt']) {
      for (const order of ['asc', 'desc']) {
        const names: string[] = [];
        let cursor: string | null = null;
        do {
          const query: string = `sort=${sort}&order=${order}&limit=1${cursor === null ? '' : `&cursor=${cursor}`}`;
          const page: { children: { name: string }[]; nextCursor: string | null } = await api.expect(
            200,
            'GET',
            `/folders/${folder.id}?${query}`,
          );
          names.push(...page.children.map((node) => node.name));
          cursor = page.nextCursor;
        } while (cursor !== null);
        expect(names.sort(), `${sort} ${order}`).toEqual(['one', 'sub', 'three', 'two']);
      }
    }
  });

  /** A download that must answer within a few seconds (a hung socket fails the test instead of stalling it). */
  async function download(id: string) {
    const response = await fetch(`${server.origin}/api/v1/files/${id}/content`, {
      headers: { authorization: `Bearer ${api.token}` },
      signal: AbortSignal.timeout(5000),
    });
    return { response, body: Buffer.from(await response.arrayBuffer()).toString() };
  }

  it('keeps only a valid content type and its charset, so a download can always send it', async () => {
    const cases = [
      { contentType: 'text/plain\r\nX-Injected: 1', name: 'crlf.txt', kept: 'text/plain' },
      { contentType: 'image/png\r\n\r\n<html>', name: 'crlf.bin', kept: 'application/octet-stream' },
      {
        contentType: 'Text/HTML; Charset=UTF-8; boundary=x',
        name: 'page.txt',
        kept: 'text/html; charset=utf-8',
      },
    ];
    for (const { contentType, name, kept } of cases) {
      const session = await startUpload(api, { name, size: 5, contentType });
      expect((session as unknown as { contentType: string }).contentType).toBe(kept);
      await uploadAll(api, session, Buffer.from('hello'));
      const node = await api.expect(201, 'POST', `/uploads/${session.id}/complete`);
      expect(node.contentType).toBe(kept);
      const { response, body } = await download(node.id);
      expect([response.status, response.headers.get('content-type'), body]).toEqual([200, kept, 'hello']);
      expect(response.headers.get('x-injected')).toBeNull();
    }
    const simple = await api.upload('root', 'photo.png', 'png', '', {
      'content-type': 'image/png; name="x"',
    });
    expect((await simple.json()).contentType).toBe('image/png');
  });

  it('downloads a file whose stored content type could not go into a header, instead of hanging', async () => {
    const node = await (await api.upload('root', 'stored-before.txt', 'hello')).json();
    await server.deps.database.db.execute(
      sql`update nodes set content_type = ${'text/html\r\nSet-Cookie: a=b'} where id = ${node.id}`,
    );
    await server.deps.cache.delete(`node:${node.id}`);
    const { response, body } = await download(node.id);
    expect([response.status, response.headers.get('content-type'), body]).toEqual([
      200,
      'application/octet-stream',
      'hello',
    ]);
    expect(response.headers.get('set-cookie')).toBeNull();
    // The server still answers on a fresh connection.
    expect((await download(node.id)).response.status).toBe(200);
  });
});

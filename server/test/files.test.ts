import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, countBlobs, signUp, uniqueName } from './client.ts';
import { failNodeInserts } from './faults/database.ts';
import { driverSets, startServer, type TestServer } from './harness.ts';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** Sends a raw HTTP request and returns whatever comes back before the server closes or `waitMs` passes. */
async function rawRequest(
  server: TestServer,
  head: string,
  body: Buffer,
  endAfterWrite: 'close' | 'keep',
  waitMs = 1500,
) {
  const { port } = new URL(server.origin);
  return new Promise<string>((resolve) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
    });
    socket.on('error', () => resolve(received));
    socket.on('close', () => resolve(received));
    socket.write(head);
    socket.write(body, () => {
      if (endAfterWrite === 'close') socket.destroy();
    });
    setTimeout(() => socket.destroy(), waitMs);
  });
}

describe.each(driverSets())('uploads and downloads (%s)', (set) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(set);
  });
  afterAll(() => server.close());

  async function fileNames(api: Api, folder = 'root'): Promise<string[]> {
    return (await api.expect(200, 'GET', `/folders/${folder}`)).children.map((n: { name: string }) => n.name);
  }

  it('round-trips any bytes exactly and records their SHA-256', async () => {
    const { api } = await signUp(server, uniqueName());
    const data = randomBytes(3 * 1024 * 1024 + 17);
    const response = await api.upload('root', 'random.bin', data);
    expect(response.status).toBe(201);
    const node = await response.json();
    expect(node.size).toBe(data.length);
    expect(node.sha256).toBe(sha256(data));
    const download = await api.request('GET', `/files/${node.id}/content`);
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(data)).toBe(true);
    expect((await api.expect(200, 'GET', `/files/${node.id}`)).sha256).toBe(sha256(data));
  });

  it('survives a client that goes away mid-download', async () => {
    const { api } = await signUp(server, uniqueName());
    const data = randomBytes(24 * 1024 * 1024);
    const node = await (await api.upload('root', 'abandoned.bin', data)).json();
    const response = await api.request('GET', `/files/${node.id}/content`, {});
    const reader = response.body?.getReader();
    await reader?.read();
    await reader?.cancel();
    const again = await api.request('GET', `/files/${node.id}/content`, { headers: { range: 'bytes=0-99' } });
    expect(Buffer.from(await again.arrayBuffer()).equals(data.subarray(0, 100))).toBe(true);
    const whole = await api.request('GET', `/files/${node.id}/content`);
    expect(Buffer.from(await whole.arrayBuffer()).equals(data)).toBe(true);
  });

  it('stores an empty file', async () => {
    const { api } = await signUp(server, uniqueName());
    const node = await (await api.upload('root', 'empty', new Uint8Array())).json();
    expect(node.size).toBe(0);
    const download = await api.request('GET', `/files/${node.id}/content`);
    expect(download.status).toBe(200);
    expect((await download.arrayBuffer()).byteLength).toBe(0);
  });

  it('serves downloads as attachments that can not run in our origin', async () => {
    const { api } = await signUp(server, uniqueName());
    const node = await (
      await api.upload('root', 'page "évil".html', '<script>alert(1)</script>', '', {
        'content-type': 'text/html',
      })
    ).json();
    const download = await api.request('GET', `/files/${node.id}/content`);
    expect(download.headers.get('content-disposition')).toMatch(/^attachment;/);
    expect(download.headers.get('content-disposition')).toContain(
      `filename*=UTF-8''page%20%22%C3%A9vil%22.html`,
    );
    expect(download.headers.get('x-content-type-options')).toBe('nosniff');
    expect(download.headers.get('content-security-policy')).toMatch(/sandbox/);
    expect(download.headers.get('content-type')).toBe('text/html');
    await download.arrayBuffer();
  });

  it('answers Range, If-Range, ETag and If-None-Match correctly', async () => {
    const { api } = await signUp(server, uniqueName());
    const data = randomBytes(10_000);
    const node = await (await api.upload('root', 'ranged.bin', data)).json();
    const path = `/files/${node.id}/content`;

    const part = await api.request('GET', path, { headers: { range: 'bytes=100-199' } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 100-199/10000');
    expect(Buffer.from(await part.arrayBuffer()).equals(data.subarray(100, 200))).toBe(true);

    const suffix = await api.request('GET', path, { headers: { range: 'bytes=-50' } });
    expect(suffix.status).toBe(206);
    expect(Buffer.from(await suffix.arrayBuffer()).equals(data.subarray(9950))).toBe(true);

    const open = await api.request('GET', path, { headers: { range: 'bytes=9990-' } });
    expect(Buffer.from(await open.arrayBuffer()).equals(data.subarray(9990))).toBe(true);

    const beyond = await api.request('GET', path, { headers: { range: 'bytes=20000-' } });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe('bytes */10000');
    await beyond.arrayBuffer();

    const etag = part.headers.get('etag') ?? '';
    expect(etag).toBe(`"${sha256(data).slice(0, 32)}"`);
    const cached = await api.request('GET', path, { headers: { 'if-none-match': etag } });
    expect(cached.status).toBe(304);

    const stillSame = await api.request('GET', path, { headers: { range: 'bytes=0-9', 'if-range': etag } });
    expect(stillSame.status).toBe(206);
    await stillSame.arrayBuffer();
    const changed = await api.request('GET', path, {
      headers: { range: 'bytes=0-9', 'if-range': '"other"' },
    });
    expect(changed.status).toBe(200);
    expect((await changed.arrayBuffer()).byteLength).toBe(10_000);
  });

  it('handles name conflicts: fail (409), rename, replace', async () => {
    const { api } = await signUp(server, uniqueName());
    const first = await (await api.upload('root', 'notes.txt', 'one')).json();
    const refused = await api.upload('root', 'notes.txt', 'two');
    expect(refused.status).toBe(409);
    expect((await refused.json()).error.code).toBe('name_taken');

    const renamed = await api.upload('root', 'notes.txt', 'three', '?onConflict=rename');
    expect(renamed.status).toBe(201);
    expect((await renamed.json()).name).toBe('notes (2).txt');

    const replaced = await api.upload('root', 'notes.txt', 'four!', '?onConflict=replace');
    expect(replaced.status).toBe(200);
    const node = await replaced.json();
    expect(node.id).toBe(first.id);
    expect(node.size).toBe(5);
    expect(await (await api.request('GET', `/files/${first.id}/content`)).text()).toBe('four!');
    expect((await api.expect(200, 'GET', '/me')).usedBytes).toBe(5 + 5);
    // The replaced content's blob is gone: two files, two blobs for this user.
    expect(await fileNames(api)).toEqual(['notes (2).txt', 'notes.txt']);
  });

  it('refuses hostile names with a reason, and keeps good ones byte-exact', async () => {
    const { api } = await signUp(server, uniqueName());
    const hostile: [string, RegExp][] = [
      ['..', /"\."/],
      ['.', /"\."/],
      ['a\u0000b', /control/],
      ['tab\there', /control/],
      ['line\nbreak', /control/],
      ['x'.repeat(256), /255 bytes/],
      ['é'.repeat(128), /255 bytes/],
    ];
    for (const [name, reason] of hostile) {
      const created = await api.expect(400, 'POST', '/folders', { json: { parentId: 'root', name } });
      expect(created.error.code).toBe('invalid_name');
      expect(created.error.message).toMatch(reason);
      // URLs resolve "." and ".." segments before they are sent, so those two can't reach the upload route as names.
      if (name === '.' || name === '..') continue;
      const response = await api.upload('root', name, 'x');
      expect(response.status, JSON.stringify(name)).toBe(400);
      const body = await response.json();
      expect(body.error.code).toBe('invalid_name');
      expect(body.error.message).toMatch(reason);
    }
    const slash = await api.upload('root', 'a/b', 'x');
    expect(slash.status).toBe(400);
    expect((await slash.json()).error.message).toMatch(/"\/"/);

    const good = [
      'résumé.pdf',
      '日本語のファイル.txt',
      '.hidden',
      'spaces  and (parens) [x] {y}.tar.gz',
      "it's 100%.md",
      '😀 emoji',
      'é'.repeat(127),
    ];
    for (const name of good) {
      const node = await (await api.upload('root', name, 'ok')).json();
      expect(node.name).toBe(name);
    }
    // NFC: a decomposed é is stored composed.
    const decomposed = await (await api.upload('root', 'cafe\u0301.txt', 'ok')).json();
    expect(decomposed.name).toBe('caf\u00e9.txt');
    expect(new Set(await fileNames(api))).toEqual(new Set([...good, 'caf\u00e9.txt']));
  });

  it('verifies a declared SHA-256 and keeps nothing when it does not match', async () => {
    const { api } = await signUp(server, uniqueName());
    const before = await countBlobs(server);
    const data = Buffer.from('checked content');
    const wrong = await api.upload('root', 'checked.txt', data, '', { 'x-content-sha256': 'a'.repeat(64) });
    expect(wrong.status).toBe(400);
    expect((await wrong.json()).error.code).toBe('checksum_mismatch');
    expect(await countBlobs(server)).toBe(before);
    expect(await fileNames(api)).toEqual([]);

    const digest = `sha-256=:${createHash('sha256').update(data).digest('base64')}:`;
    const right = await api.upload('root', 'checked.txt', data, '', { 'content-digest': digest });
    expect(right.status).toBe(201);
  });

  it('leaves no file and no blob when the connection breaks mid-body', async () => {
    const { api, token } = await signUp(server, uniqueName());
    const before = await countBlobs(server);
    const head =
      `PUT /api/v1/folders/root/files/truncated.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
      'Content-Length: 1000000\r\n\r\n';
    await rawRequest(server, head, randomBytes(300_000), 'close');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await fileNames(api)).toEqual([]);
    expect(await countBlobs(server)).toBe(before);
    expect((await api.expect(200, 'GET', '/me')).usedBytes).toBe(0);
  });

  it('leaves no file when the body is longer than its Content-Length', async () => {
    const { api, token } = await signUp(server, uniqueName());
    const before = await countBlobs(server);
    const head =
      `PUT /api/v1/folders/root/files/too-long.bin HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
      'Content-Length: 100\r\n\r\n';
    await rawRequest(server, head, randomBytes(5000), 'keep');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await fileNames(api)).toEqual([]);
    expect(await countBlobs(server)).toBe(before);
  });

  it('deletes the blob when writing the metadata fails (blob first, metadata last)', async () => {
    const { api } = await signUp(server, uniqueName());
    const removeTrigger = await failNodeInserts(server.deps.database.db, 'explode.bin');
    try {
      const before = await countBlobs(server);
      const response = await api.upload('root', 'explode.bin', randomBytes(100_000));
      expect(response.status).toBe(500);
      const body = await response.json();
      expect(body.error.code).toBe('internal_error');
      expect(JSON.stringify(body)).not.toContain('injected');
      expect(await countBlobs(server)).toBe(before);
      expect(await fileNames(api)).toEqual([]);
      expect((await api.expect(200, 'GET', '/me')).usedBytes).toBe(0);
    } finally {
      await removeTrigger();
    }
  });

  it('enforces the quota before reading the body, and at commit', async () => {
    const { api, user } = await signUp(server, uniqueName());
    await server.deps.database.db.execute(sql`update users set quota_bytes = 1000 where id = ${user.id}`);
    await server.deps.cache.delete(`user:${user.id}`);
    const before = await countBlobs(server);
    const over = await api.upload('root', 'big.bin', randomBytes(1500));
    expect(over.status).toBe(413);
    expect((await over.json()).error.code).toBe('quota_exceeded');
    await api.upload('root', 'fits.bin', randomBytes(600));
    const second = await api.upload('root', 'second.bin', randomBytes(600));
    expect(second.status).toBe(413);
    expect(await countBlobs(server)).toBe(before + 1);
    // A chunked body of unknown length is cut off once it passes the quota.
    const chunked = new ReadableStream({
      start(controller) {
        controller.enqueue(randomBytes(300));
        controller.enqueue(randomBytes(300));
        controller.close();
      },
    });
    const cut = await api.upload('root', 'chunked.bin', chunked);
    expect(cut.status).toBe(413);
    expect(await countBlobs(server)).toBe(before + 1);
    const me = await api.expect(200, 'GET', '/me');
    expect(me.usedBytes).toBe(600);
    expect(me.quotaBytes).toBe(1000);
  });

  it('uploads a chunked body of unknown length', async () => {
    const { api } = await signUp(server, uniqueName());
    const chunks = [randomBytes(70_000), randomBytes(70_000)];
    const body = new ReadableStream({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    });
    const node = await (await api.upload('root', 'stream.bin', body)).json();
    expect(node.size).toBe(140_000);
    expect(node.sha256).toBe(sha256(Buffer.concat(chunks)));
  });
});

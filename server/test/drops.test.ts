import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, countBlobs, type SignedUp, signUp, uniqueName } from './client.ts';
import { driverSets, startServer, type TestServer } from './harness.ts';
import { partOf, type Session, sendPartWith, sha256Hex } from './uploads-client.ts';

const MIB = 1024 * 1024;

describe.each(driverSets())('file drops (%s)', (set) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(set, { env: { TRUST_PROXY: 'true' } });
  });
  afterAll(() => server.close());

  /** An owner with a folder and a drop link to it. */
  async function dropBox(settings: Record<string, unknown> = {}, kind = 'drop') {
    const owner = await signUp(server, uniqueName());
    const folder = await owner.api.expect(201, 'POST', '/folders', {
      json: { parentId: 'root', name: 'Inbox' },
    });
    const share = await owner.api.expect(201, 'POST', '/shares', {
      json: { nodeId: folder.id, kind, ...settings },
    });
    return { owner, folder, share, token: share.token as string };
  }

  /** Someone with no account, from this address. */
  const anyone = (address = '203.0.113.7') => {
    const api = new Api(server.origin);
    return (
      method: string,
      path: string,
      options: { json?: unknown; body?: BodyInit; headers?: Record<string, string> } = {},
    ) =>
      api.request(method, path, { ...options, headers: { 'x-forwarded-for': address, ...options.headers } });
  };

  const drop = (token: string, name: string, body: BodyInit, headers: Record<string, string> = {}) =>
    anyone()('PUT', `/public/${token}/files/${encodeURIComponent(name)}`, { body, headers });

  async function children(
    owner: SignedUp,
    folderId: string,
  ): Promise<{ name: string; id: string; size: number }[]> {
    return (await owner.api.expect(200, 'GET', `/folders/${folderId}`)).children;
  }

  async function contentOf(owner: SignedUp, id: string): Promise<Buffer> {
    const response = await owner.api.request('GET', `/files/${id}/content`);
    expect(response.status).toBe(200);
    return Buffer.from(await response.arrayBuffer());
  }

  /** A body sent chunked, of no declared length. */
  const chunked = (...chunks: Buffer[]) =>
    new ReadableStream({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    });

  it('takes a file from anyone as the owner’s, charged to the owner, and logs who dropped it', async () => {
    const { owner, folder, share, token } = await dropBox();
    const data = randomBytes(5000);
    const response = await drop(token, 'report.pdf', data);
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ name: 'report.pdf', size: 5000 });
    const [file, ...others] = await children(owner, folder.id);
    expect(others).toEqual([]);
    expect(file).toMatchObject({ name: 'report.pdf', size: 5000 });
    expect((await contentOf(owner, file?.id ?? '')).equals(data)).toBe(true);
    expect((await owner.api.expect(200, 'GET', '/me')).usedBytes).toBe(5000);
    const { items } = await owner.api.expect(200, 'GET', `/shares/${share.id}/events`);
    expect(items.find((event: { action: string }) => event.action === 'drop')).toMatchObject({
      address: '203.0.113.7',
      nodeId: file?.id,
      name: 'report.pdf',
      bytes: 5000,
    });
    // The owner deletes it like any other file.
    await owner.api.expect(204, 'DELETE', `/nodes/${file?.id}`);
    expect(await children(owner, folder.id)).toEqual([]);
  });

  it('stores a taken name as "name (2)" and leaves the first intact', async () => {
    const { owner, folder, token } = await dropBox();
    const first = randomBytes(100);
    const second = randomBytes(200);
    expect(await (await drop(token, 'notes.txt', first)).json()).toEqual({ name: 'notes.txt', size: 100 });
    expect(await (await drop(token, 'notes.txt', second)).json()).toEqual({
      name: 'notes (2).txt',
      size: 200,
    });
    const files = await children(owner, folder.id);
    const byName = new Map(files.map((file) => [file.name, file]));
    expect((await contentOf(owner, byName.get('notes.txt')?.id ?? '')).equals(first)).toBe(true);
    expect((await contentOf(owner, byName.get('notes (2).txt')?.id ?? '')).equals(second)).toBe(true);
  });

  it('shows nothing of the folder', async () => {
    const { token } = await dropBox();
    await drop(token, 'secret-plan.txt', 'the plan');
    const info = await anyone()('GET', `/public/${token}`);
    expect(info.status).toBe(200);
    const text = await info.text();
    expect(JSON.parse(text)).toMatchObject({
      kind: 'drop',
      node: { kind: 'folder' },
      drop: { maxFileBytes: null },
    });
    expect(text).not.toContain('secret-plan');
    for (const path of ['/folders/root', '/content', '/zip']) {
      expect((await anyone()('GET', `/public/${token}${path}`)).status).toBe(404);
    }
  });

  it('refuses a file over maxFileBytes before storing a byte, and cuts off a chunked body past it', async () => {
    const { owner, folder, token } = await dropBox({ maxFileBytes: 1000 });
    const blobs = await countBlobs(server);
    const declared = await drop(token, 'big.bin', randomBytes(1001));
    expect(declared.status).toBe(413);
    expect((await declared.json()).error.code).toBe('file_too_large');
    const cut = await drop(token, 'chunked.bin', chunked(randomBytes(600), randomBytes(600)));
    expect(cut.status).toBe(413);
    expect((await cut.json()).error.code).toBe('file_too_large');
    expect(await children(owner, folder.id)).toEqual([]);
    expect(await countBlobs(server)).toBe(blobs);
    expect((await owner.api.expect(200, 'GET', '/me')).usedBytes).toBe(0);
    // Exactly the limit fits, chunked or not.
    expect((await drop(token, 'fits.bin', randomBytes(1000))).status).toBe(201);
    expect((await drop(token, 'fits.bin', chunked(randomBytes(500), randomBytes(500)))).status).toBe(201);
  });

  it('is spent once it took maxFiles files', async () => {
    const { owner, share, token } = await dropBox({ maxFiles: 2 });
    expect((await drop(token, 'a.txt', 'a')).status).toBe(201);
    const info = await (await anyone()('GET', `/public/${token}`)).json();
    expect(info.drop.filesLeft).toBe(1);
    expect((await drop(token, 'b.txt', 'b')).status).toBe(201);
    const third = await drop(token, 'c.txt', 'c');
    expect(third.status).toBe(404);
    expect((await third.json()).error.code).toBe('share_not_found');
    expect((await anyone()('GET', `/public/${token}`)).status).toBe(404);
    expect((await owner.api.expect(200, 'GET', `/shares/${share.id}`)).status).toBe('exhausted');
  });

  it('answers 507 and stores nothing when the owner’s quota is full', async () => {
    const { owner, folder, token } = await dropBox();
    await server.deps.database.db.execute(
      sql`update users set quota_bytes = 1000 where id = ${owner.user.id}`,
    );
    await server.deps.cache.delete(`user:${owner.user.id}`);
    const blobs = await countBlobs(server);
    const declared = await drop(token, 'big.bin', randomBytes(1500));
    expect(declared.status).toBe(507);
    expect((await declared.json()).error.code).toBe('drop_full');
    const cut = await drop(token, 'chunked.bin', chunked(randomBytes(800), randomBytes(800)));
    expect(cut.status).toBe(507);
    const session = await anyone()('POST', `/public/${token}/uploads`, {
      json: { name: 'x.bin', size: 2000 },
    });
    expect(session.status).toBe(507);
    expect(await children(owner, folder.id)).toEqual([]);
    expect(await countBlobs(server)).toBe(blobs);
    const me = await owner.api.expect(200, 'GET', '/me');
    expect([me.usedBytes, me.reservedBytes]).toEqual([0, 0]);
  });

  it('needs the password’s grant when it has one', async () => {
    const { owner, folder, token } = await dropBox({ password: 'let me in' });
    const locked = await drop(token, 'a.txt', 'a');
    expect(locked.status).toBe(401);
    expect((await locked.json()).error.code).toBe('share_locked');
    const { access } = await (
      await anyone()('POST', `/public/${token}/unlock`, { json: { password: 'let me in' } })
    ).json();
    expect((await drop(token, 'a.txt', 'a', { 'x-share-access': access })).status).toBe(201);
    expect((await children(owner, folder.id)).map((file) => file.name)).toEqual(['a.txt']);
  });

  it('refuses drops through a link that is not a drop', async () => {
    const { owner, folder, token } = await dropBox({}, 'link');
    const refused = await drop(token, 'a.txt', 'a');
    expect(refused.status).toBe(404);
    expect((await refused.json()).error.code).toBe('share_not_found');
    const session = await anyone()('POST', `/public/${token}/uploads`, { json: { name: 'x.bin', size: 10 } });
    expect(session.status).toBe(404);
    expect(await children(owner, folder.id)).toEqual([]);
  });

  it('refuses a hostile name with 400 and stores nothing', async () => {
    const { owner, folder, token } = await dropBox();
    const blobs = await countBlobs(server);
    for (const name of ['../x', 'a\u0000b', 'x'.repeat(300), 'y'.repeat(2000)]) {
      const response = await drop(token, name, 'payload');
      expect(response.status, name.slice(0, 10)).toBe(400);
    }
    const session = await anyone()('POST', `/public/${token}/uploads`, { json: { name: '../x', size: 10 } });
    expect(session.status).toBe(400);
    expect(await children(owner, folder.id)).toEqual([]);
    expect(await countBlobs(server)).toBe(blobs);
    expect((await owner.api.expect(200, 'GET', '/me')).usedBytes).toBe(0);
  });

  it('takes a resumable upload through the link, end to end', async () => {
    const { owner, folder, token } = await dropBox({ maxFileBytes: 10 * MIB });
    await drop(token, 'video.bin', 'taken');
    const data = randomBytes(8 * MIB + 4321);
    const tooBig = await anyone()('POST', `/public/${token}/uploads`, {
      json: { name: 'video.bin', size: 10 * MIB + 1 },
    });
    expect(tooBig.status).toBe(413);
    const created = await anyone()('POST', `/public/${token}/uploads`, {
      json: { name: 'video.bin', size: data.length },
    });
    expect(created.status).toBe(201);
    const session = (await created.json()) as Session & Record<string, unknown>;
    expect(session.partCount).toBe(2);
    expect(session).not.toHaveProperty('parentId');
    expect(session).not.toHaveProperty('nodeId');
    if (session.partsNeedCredentials) {
      for (const part of session.parts)
        expect(part.url).toBe(
          `${server.origin}/api/v1/public/${token}/uploads/${session.id}/parts/${part.number}`,
        );
    }
    expect((await owner.api.expect(200, 'GET', '/me')).reservedBytes).toBe(data.length);
    for (const number of [2, 1]) {
      const response = await sendPartWith(session, number, partOf(session, data, number));
      expect(response.status, await response.clone().text()).toBe(200);
    }
    const resumed = await anyone()('GET', `/public/${token}/uploads/${session.id}`);
    expect((await resumed.json()).uploadedParts.map((p: { number: number }) => p.number).sort()).toEqual([
      1, 2,
    ]);
    const completed = await anyone()('POST', `/public/${token}/uploads/${session.id}/complete`);
    expect(completed.status).toBe(201);
    expect(await completed.json()).toEqual({ name: 'video (2).bin', size: data.length });
    const again = await anyone()('POST', `/public/${token}/uploads/${session.id}/complete`);
    expect(again.status).toBe(200);
    const file = (await children(owner, folder.id)).find((child) => child.name === 'video (2).bin');
    expect((await contentOf(owner, file?.id ?? '')).equals(data)).toBe(true);
    const me = await owner.api.expect(200, 'GET', '/me');
    expect([me.usedBytes, me.reservedBytes]).toEqual([data.length + 5, 0]);
  });

  it('takes the SHA-256 at completion of a resumable drop, and checks it as the owner’s route does', async () => {
    const { owner, folder, token } = await dropBox();
    const before = await countBlobs(server);
    const data = randomBytes(8 * MIB + 99);
    const start = async (name: string, body: Record<string, unknown> = {}) => {
      const created = await anyone()('POST', `/public/${token}/uploads`, {
        json: { name, size: data.length, ...body },
      });
      expect(created.status).toBe(201);
      const session = (await created.json()) as Session & { sha256: string | null };
      for (const part of session.parts) {
        const response = await sendPartWith(session, part.number, partOf(session, data, part.number));
        expect(response.status, await response.clone().text()).toBe(200);
      }
      return session;
    };
    const complete = (session: Session, json?: unknown) =>
      anyone()('POST', `/public/${token}/uploads/${session.id}/complete`, json === undefined ? {} : { json });

    const lie = await start('lie.bin');
    const refused = await complete(lie, { sha256: 'cd'.repeat(32) });
    expect(refused.status).toBe(422);
    expect((await refused.json()).error.code).toBe('content_mismatch');
    expect(await countBlobs(server)).toBe(before);
    expect((await complete(lie)).status).toBe(404);

    const declared = await start('declared.bin', { sha256: sha256Hex(data) });
    const differs = await complete(declared, { sha256: 'ef'.repeat(32) });
    expect(differs.status).toBe(409);
    expect((await differs.json()).error.code).toBe('sha256_conflict');
    expect((await complete(declared, { sha256: sha256Hex(data) })).status).toBe(201);

    const late = await start('late.bin');
    const completed = await complete(late, { sha256: sha256Hex(data).toUpperCase() });
    expect(completed.status).toBe(201);
    expect(await completed.json()).toEqual({ name: 'late.bin', size: data.length });
    const again = await complete(late, { sha256: 'ab'.repeat(32) });
    expect(again.status).toBe(409);
    expect((await again.json()).error.code).toBe('sha256_conflict');
    expect((await complete(late, { sha256: sha256Hex(data) })).status).toBe(200);
    const invalid = await complete(late, { sha256: 'not hex' });
    expect(invalid.status).toBe(400);

    const files = await children(owner, folder.id);
    expect(files.map((child) => child.name).sort()).toEqual(['declared.bin', 'late.bin']);
    for (const file of files) {
      expect((await owner.api.expect(200, 'GET', `/files/${file.id}`)).sha256).toBe(sha256Hex(data));
      expect((await contentOf(owner, file.id)).equals(data)).toBe(true);
    }
    const me = await owner.api.expect(200, 'GET', '/me');
    expect([me.usedBytes, me.reservedBytes]).toEqual([2 * data.length, 0]);
  });

  it('aborts the sessions started through a drop when it is revoked', async () => {
    const { owner, share, token } = await dropBox();
    const blobs = await countBlobs(server);
    const data = randomBytes(3000);
    const created = await anyone()('POST', `/public/${token}/uploads`, {
      json: { name: 'late.bin', size: 3000 },
    });
    const session = (await created.json()) as Session;
    expect((await sendPartWith(session, 1, data)).status).toBe(200);
    expect((await owner.api.expect(200, 'GET', '/me')).reservedBytes).toBe(3000);
    await owner.api.expect(204, 'DELETE', `/shares/${share.id}`);
    expect((await anyone()('GET', `/public/${token}/uploads/${session.id}`)).status).toBe(404);
    expect((await owner.api.expect(200, 'GET', '/me')).reservedBytes).toBe(0);
    expect(await countBlobs(server)).toBe(blobs);
  });

  it('aborts the sessions still open through a drop when its last file arrives, releasing their reservations', async () => {
    const { owner, token } = await dropBox({ maxFiles: 1 });
    const created = await anyone()('POST', `/public/${token}/uploads`, {
      json: { name: 'too late.bin', size: 4000 },
    });
    const session = (await created.json()) as Session;
    expect((await sendPartWith(session, 1, randomBytes(4000))).status).toBe(200);
    expect((await owner.api.expect(200, 'GET', '/me')).reservedBytes).toBe(4000);
    expect((await drop(token, 'first.txt', 'in time')).status).toBe(201);
    expect((await owner.api.expect(200, 'GET', '/me')).reservedBytes).toBe(0);
    expect((await anyone()('POST', `/public/${token}/uploads/${session.id}/complete`)).status).toBe(404);
    const listed = await owner.api.expect(200, 'GET', '/uploads');
    expect(listed.uploads.map((upload: { id: string }) => upload.id)).not.toContain(session.id);
  });

  it('leaves a purged drop folder’s unfinished session to its owner to abort, its reservation kept until then', async () => {
    const { owner, folder, token } = await dropBox();
    const created = await anyone()('POST', `/public/${token}/uploads`, {
      json: { name: 'orphan.bin', size: 2000 },
    });
    const session = (await created.json()) as Session;
    await owner.api.expect(204, 'DELETE', `/nodes/${folder.id}`);
    await owner.api.expect(204, 'DELETE', `/trash/${folder.id}`);
    expect((await anyone()('GET', `/public/${token}/uploads/${session.id}`)).status).toBe(404);
    expect((await owner.api.expect(200, 'GET', '/me')).reservedBytes).toBe(2000);
    const listed = await owner.api.expect(200, 'GET', '/uploads');
    expect(listed.uploads.map((upload: { id: string }) => upload.id)).toContain(session.id);
    await owner.api.expect(204, 'DELETE', `/uploads/${session.id}`);
    expect((await owner.api.expect(200, 'GET', '/me')).reservedBytes).toBe(0);
  });

  it('reaches a session only through the link it was started with', async () => {
    const first = await dropBox();
    const second = await dropBox();
    const stranger = await signUp(server, uniqueName());
    const created = await anyone()('POST', `/public/${first.token}/uploads`, {
      json: { name: 'x.bin', size: 10 },
    });
    const session = (await created.json()) as Session;
    const elsewhere = `/public/${second.token}/uploads/${session.id}`;
    expect((await anyone()('GET', elsewhere)).status).toBe(404);
    expect((await anyone()('POST', `${elsewhere}/complete`)).status).toBe(404);
    expect((await anyone()('DELETE', elsewhere)).status).toBe(404);
    expect((await anyone()('PUT', `${elsewhere}/parts/1`, { body: randomBytes(10) })).status).toBe(404);
    for (const user of [first.owner, stranger]) {
      await user.api.expect(404, 'GET', `/uploads/${session.id}`);
      await user.api.expect(404, 'DELETE', `/uploads/${session.id}`);
      expect((await user.api.expect(200, 'GET', '/uploads')).uploads).toEqual([]);
    }
    // Its own link still reaches it, and aborting gives the owner's reservation back.
    expect((await anyone()('GET', `/public/${first.token}/uploads/${session.id}`)).status).toBe(200);
    expect((await anyone()('DELETE', `/public/${first.token}/uploads/${session.id}`)).status).toBe(204);
    expect((await first.owner.api.expect(200, 'GET', '/me')).reservedBytes).toBe(0);
  });
});

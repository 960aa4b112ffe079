import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGarbageCollector } from '../src/features/gc/garbage-collector.ts';
import { createServices } from '../src/services.ts';
import { type Api, countBlobs, signUp, uniqueName } from './client.ts';
import { failNodeInserts } from './faults/database.ts';
import { driverSets, startServer, type TestServer } from './harness.ts';
import { contentMd5, partOf, sendPart, sha256Hex, startUpload, uploadAll } from './uploads-client.ts';

const MIB = 1024 * 1024;

describe.each(driverSets())('resumable uploads (%s)', (set) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(set);
  });
  afterAll(() => server.close());

  async function download(api: Api, id: string, headers: Record<string, string> = {}) {
    const response = await api.request('GET', `/files/${id}/content`, { headers });
    return { response, body: Buffer.from(await response.arrayBuffer()) };
  }

  it('takes parts out of order, in parallel and repeated, and verifies the declared SHA-256', async () => {
    const { api } = await signUp(server, uniqueName());
    const data = randomBytes(20 * MIB + 12345);
    const session = await startUpload(api, { name: 'big.bin', size: data.length, sha256: sha256Hex(data) });
    expect(session.partCount).toBe(3);
    expect(session.parts.map((p) => p.size)).toEqual([8 * MIB, 8 * MIB, 4 * MIB + 12345]);
    expect(session.partsNeedCredentials).toBe(set === 'embedded');
    if (set === 'services') expect(new URL(session.parts[0]?.url ?? '').pathname).not.toContain('/api/');
    await uploadAll(api, session, data, [3, 1, 2], 2);
    // A part sent again once it has arrived replaces it (a copy sent while it is arriving is refused).
    await uploadAll(api, session, data, [1]);

    const resumed = await api.expect(200, 'GET', `/uploads/${session.id}`);
    expect(resumed.uploadedParts).toEqual(session.parts.map((p) => ({ number: p.number, size: p.size })));
    const node = await api.expect(201, 'POST', `/uploads/${session.id}/complete`);
    expect(node.size).toBe(data.length);
    expect(node.sha256).toBe(sha256Hex(data));
    expect((await download(api, node.id)).body.equals(data)).toBe(true);
    // Completing again answers the same file.
    expect((await api.expect(200, 'POST', `/uploads/${session.id}/complete`)).id).toBe(node.id);
    const me = await api.expect(200, 'GET', '/me');
    expect(me.usedBytes).toBe(data.length);
    expect(me.reservedBytes).toBe(0);
  });

  it('stores a zero-byte file', async () => {
    const { api } = await signUp(server, uniqueName());
    const session = await startUpload(api, { name: 'empty.txt', size: 0 });
    expect(session.parts).toEqual([]);
    const node = await api.expect(201, 'POST', `/uploads/${session.id}/complete`);
    expect(node.size).toBe(0);
    expect((await download(api, node.id)).body.length).toBe(0);
  });

  it('lists what arrived so a client can resume, and refuses to complete with a part missing', async () => {
    const { api } = await signUp(server, uniqueName());
    const data = randomBytes(17 * MIB);
    const session = await startUpload(api, { name: 'resume.bin', size: data.length });
    expect((await sendPart(api, session, 2, partOf(session, data, 2))).status).toBe(200);
    const midway = await api.expect(200, 'GET', `/uploads/${session.id}`);
    expect(midway.uploadedParts).toEqual([{ number: 2, size: 8 * MIB }]);
    const open = await api.expect(200, 'GET', '/uploads');
    expect(open.uploads.map((u: { id: string }) => u.id)).toEqual([session.id]);

    const refused = await api.expect(409, 'POST', `/uploads/${session.id}/complete`);
    expect(refused.error.code).toBe('missing_parts');
    expect(refused.error.details.missingParts).toEqual([1, 3]);
    expect((await api.expect(200, 'GET', '/folders/root')).children).toEqual([]);

    await uploadAll(api, midway, data, [1, 3]);
    const node = await api.expect(201, 'POST', `/uploads/${session.id}/complete`);
    const { response, body } = await download(api, node.id);
    expect(body.equals(data)).toBe(true);
    // Nothing declared: on S3 the file's bytes never pass through the server, so no SHA-256, and
    // the ETag is the blob's id; either way 128 bits as 32 hex digits.
    expect(node.sha256).toBe(set === 'services' ? null : sha256Hex(data));
    const etag = response.headers.get('etag');
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    if (node.sha256 !== null) expect(etag).toBe(`"${node.sha256.slice(0, 32)}"`);
  });

  it('refuses a corrupted part, which then counts as not arrived', async () => {
    const { api } = await signUp(server, uniqueName());
    const data = randomBytes(9 * MIB);
    const session = await startUpload(api, { name: 'corrupt.bin', size: data.length });
    const part = partOf(session, data, 1);
    const flipped = Buffer.from(part);
    flipped[1000] = (flipped[1000] ?? 0) ^ 0xff;
    const response = await sendPart(api, session, 1, flipped, contentMd5(part));
    expect(response.status).toBe(400);
    await response.arrayBuffer();
    expect((await api.expect(200, 'GET', `/uploads/${session.id}`)).uploadedParts).toEqual([]);
    await uploadAll(api, session, data);
    const node = await api.expect(201, 'POST', `/uploads/${session.id}/complete`);
    expect((await download(api, node.id)).body.equals(data)).toBe(true);
  });

  it('never makes a file of parts of the wrong size', async () => {
    const { api } = await signUp(server, uniqueName());
    const data = randomBytes(9 * MIB);
    const session = await startUpload(api, { name: 'sizes.bin', size: data.length });
    const tooBig = Buffer.concat([partOf(session, data, 2), Buffer.from('extra')]);
    const big = await sendPart(api, session, 2, tooBig);
    await big.arrayBuffer();
    await uploadAll(api, session, data, [1]);
    // The API refuses it as it arrives (400), and so does S3: the part URL signs the length (403).
    expect(big.status).toBe(session.partsNeedCredentials ? 400 : 403);
    expect((await api.expect(409, 'POST', `/uploads/${session.id}/complete`)).error.code).toBe(
      'missing_parts',
    );
    expect((await api.expect(200, 'GET', '/folders/root')).children).toEqual([]);
  });

  it('refuses content that does not match the declared SHA-256, keeping nothing', async () => {
    const { api } = await signUp(server, uniqueName());
    const before = await countBlobs(server);
    const data = randomBytes(1000);
    const session = await startUpload(api, { name: 'lie.bin', size: data.length, sha256: 'ab'.repeat(32) });
    await uploadAll(api, session, data);
    const refused = await api.expect(422, 'POST', `/uploads/${session.id}/complete`);
    expect(refused.error.code).toBe('content_mismatch');
    expect(await countBlobs(server)).toBe(before);
    const me = await api.expect(200, 'GET', '/me');
    expect([me.usedBytes, me.reservedBytes]).toEqual([0, 0]);
  });

  it('takes the SHA-256 at completion instead, and checks it the same', async () => {
    const { api } = await signUp(server, uniqueName());
    const before = await countBlobs(server);
    const data = randomBytes(9 * MIB + 17);
    const lie = await startUpload(api, { name: 'late-lie.bin', size: data.length });
    await uploadAll(api, lie, data);
    const refused = await api.expect(422, 'POST', `/uploads/${lie.id}/complete`, {
      json: { sha256: 'cd'.repeat(32) },
    });
    expect(refused.error.code).toBe('content_mismatch');
    expect(await countBlobs(server)).toBe(before);

    const declared = await startUpload(api, { name: 'both.bin', size: data.length, sha256: sha256Hex(data) });
    await uploadAll(api, declared, data);
    const differs = await api.expect(409, 'POST', `/uploads/${declared.id}/complete`, {
      json: { sha256: 'ef'.repeat(32) },
    });
    expect(differs.error.code).toBe('sha256_conflict');
    // Nothing changed: the session completes with the SHA-256 it declared.
    const both = await api.expect(201, 'POST', `/uploads/${declared.id}/complete`, {
      json: { sha256: sha256Hex(data).toUpperCase() },
    });
    expect(both.sha256).toBe(sha256Hex(data));

    const late = await startUpload(api, { name: 'late.bin', size: data.length });
    await uploadAll(api, late, data);
    const node = await api.expect(201, 'POST', `/uploads/${late.id}/complete`, {
      json: { sha256: sha256Hex(data) },
    });
    expect(node.sha256).toBe(sha256Hex(data));
    expect((await download(api, node.id)).body.equals(data)).toBe(true);
    const me = await api.expect(200, 'GET', '/me');
    expect([me.usedBytes, me.reservedBytes]).toEqual([2 * data.length, 0]);
  });

  it('keeps the SHA-256 it verified, and holds a later completion that gives one to it', async () => {
    const { api } = await signUp(server, uniqueName());
    const data = randomBytes(9 * MIB + 5);
    const late = await startUpload(api, { name: 'verified.bin', size: data.length });
    await uploadAll(api, late, data);
    const node = await api.expect(201, 'POST', `/uploads/${late.id}/complete`, {
      json: { sha256: sha256Hex(data) },
    });
    // The session tells what its completion verified, like the file.
    expect((await api.expect(200, 'GET', `/uploads/${late.id}`)).sha256).toBe(sha256Hex(data));
    expect((await api.expect(200, 'GET', `/files/${node.id}`)).sha256).toBe(sha256Hex(data));
    const wrong = await api.expect(409, 'POST', `/uploads/${late.id}/complete`, {
      json: { sha256: 'ab'.repeat(32) },
    });
    expect(wrong.error.code).toBe('sha256_conflict');
    const same = await api.expect(200, 'POST', `/uploads/${late.id}/complete`, {
      json: { sha256: sha256Hex(data).toUpperCase() },
    });
    expect(same.id).toBe(node.id);
    expect((await api.expect(200, 'POST', `/uploads/${late.id}/complete`)).id).toBe(node.id);

    // Completed with nothing declared: the local directory hashed the content anyway; parts sent
    // straight to S3 were never read, so there is nothing to hold a SHA-256 given later to.
    const plain = await startUpload(api, { name: 'plain.bin', size: data.length });
    await uploadAll(api, plain, data);
    const plainNode = await api.expect(201, 'POST', `/uploads/${plain.id}/complete`);
    const hashed = set === 'embedded';
    expect((await api.expect(200, 'GET', `/uploads/${plain.id}`)).sha256).toBe(
      hashed ? sha256Hex(data) : null,
    );
    const right = await api.request('POST', `/uploads/${plain.id}/complete`, {
      json: { sha256: sha256Hex(data) },
    });
    expect(right.status).toBe(hashed ? 200 : 409);
    const answer = await right.json();
    if (hashed) expect(answer.id).toBe(plainNode.id);
    else expect(answer.error.code).toBe('sha256_conflict');
    const lie = await api.expect(409, 'POST', `/uploads/${plain.id}/complete`, {
      json: { sha256: 'cd'.repeat(32) },
    });
    expect(lie.error.code).toBe('sha256_conflict');
    const me = await api.expect(200, 'GET', '/me');
    expect([me.usedBytes, me.reservedBytes]).toEqual([2 * data.length, 0]);
  });

  it('rolls back when recording the file fails, and completes when tried again', async () => {
    const { api } = await signUp(server, uniqueName());
    const { db } = server.deps.database;
    const data = randomBytes(10 * MIB);
    const session = await startUpload(api, { name: 'rollback.bin', size: data.length });
    await uploadAll(api, session, data);
    const before = await countBlobs(server);
    const removeTrigger = await failNodeInserts(db, 'rollback.bin');
    try {
      const failed = await api.expect(503, 'POST', `/uploads/${session.id}/complete`);
      expect(failed.error.code).toBe('commit_failed');
      expect(await countBlobs(server)).toBe(before);
      expect((await api.expect(200, 'GET', '/folders/root')).children).toEqual([]);
    } finally {
      await removeTrigger();
    }
    // Whatever the store kept of the parts is listed; the rest is sent again.
    const again = await api.expect(200, 'GET', `/uploads/${session.id}`);
    const have = new Set(again.uploadedParts.map((p: { number: number }) => p.number));
    await uploadAll(
      api,
      again,
      data,
      again.parts.map((p: { number: number }) => p.number).filter((n: number) => !have.has(n)),
    );
    const node = await api.expect(201, 'POST', `/uploads/${session.id}/complete`);
    expect((await download(api, node.id)).body.equals(data)).toBe(true);
    expect(await countBlobs(server)).toBe(before + 1);
  });

  it('aborts: parts deleted, quota released, the session gone', async () => {
    const { api } = await signUp(server, uniqueName());
    const data = randomBytes(9 * MIB);
    const session = await startUpload(api, { name: 'abort.bin', size: data.length });
    expect((await api.expect(200, 'GET', '/me')).reservedBytes).toBe(data.length);
    await uploadAll(api, session, data, [1]);
    await api.expect(204, 'DELETE', `/uploads/${session.id}`);
    await api.expect(404, 'GET', `/uploads/${session.id}`);
    expect((await api.expect(200, 'GET', '/me')).reservedBytes).toBe(0);
    const row = await server.deps.database.db.query.uploads.findFirst({
      where: (u, { eq }) => eq(u.id, session.id),
    });
    expect(row?.status).toBe('aborted');
    await expect(
      server.deps.blobs.multipart.listParts(row?.blobKey ?? '', row?.storeUploadId ?? ''),
    ).rejects.toThrow();
  });

  it('never lets parallel uploads overshoot the quota', async () => {
    const { api, user } = await signUp(server, uniqueName());
    await server.deps.database.db.execute(
      sql`update users set quota_bytes = ${10 * MIB} where id = ${user.id}`,
    );
    const data = randomBytes(4 * MIB);
    const attempts = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        api.request('POST', '/uploads', { json: { parentId: 'root', name: `q${i}.bin`, size: data.length } }),
      ),
    );
    const statuses = attempts.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 201, 413, 413, 413]);
    for (const attempt of attempts.filter((r) => r.status === 201)) {
      const session = await attempt.json();
      await uploadAll(api, session, data);
      await api.expect(201, 'POST', `/uploads/${session.id}/complete`);
    }
    for (const attempt of attempts.filter((r) => r.status === 413)) await attempt.arrayBuffer();
    const me = await api.expect(200, 'GET', '/me');
    expect(me.usedBytes).toBe(2 * data.length);
    expect(me.reservedBytes).toBe(0);
    expect((await api.expect(200, 'GET', '/folders/root')).children).toHaveLength(2);
  });

  it('round-trips a gzip-compressed file: compressed for clients that accept it, inflated for others', async () => {
    const { api } = await signUp(server, uniqueName());
    const original = Buffer.from('the quick brown fox jumps over the lazy dog\n'.repeat(50_000));
    const compressed = gzipSync(original);
    const session = await startUpload(api, {
      name: 'fox.txt',
      size: original.length,
      storedSize: compressed.length,
      encoding: 'gzip',
      contentType: 'text/plain',
    });
    await uploadAll(api, session, compressed);
    const node = await api.expect(201, 'POST', `/uploads/${session.id}/complete`);
    expect([node.encoding, node.size, node.storedSize]).toEqual(['gzip', original.length, compressed.length]);
    expect(node.sha256).toBe(sha256Hex(original));
    expect((await api.expect(200, 'GET', '/me')).usedBytes).toBe(compressed.length);

    const { port } = new URL(server.origin);
    const raw = await rawGet(Number(port), `/api/v1/files/${node.id}/content`, api.token ?? '', 'gzip');
    expect(raw.headers['content-encoding']).toBe('gzip');
    expect(raw.body.equals(compressed)).toBe(true);
    const plain = await rawGet(Number(port), `/api/v1/files/${node.id}/content`, api.token ?? '', 'identity');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.equals(original)).toBe(true);
    const ranged = await download(api, node.id, { range: 'bytes=0-9', 'accept-encoding': 'identity' });
    expect(ranged.response.status).toBe(200);
    expect(ranged.response.headers.get('accept-ranges')).toBe('none');
    expect(ranged.body.equals(original)).toBe(true);
  });

  it('refuses a gzip file that inflates to more than it declared (a bomb), keeping nothing', async () => {
    const { api } = await signUp(server, uniqueName());
    const before = await countBlobs(server);
    const bomb = gzipSync(Buffer.alloc(50 * MIB));
    const session = await startUpload(api, {
      name: 'bomb.txt',
      size: 1000,
      storedSize: bomb.length,
      encoding: 'gzip',
    });
    await uploadAll(api, session, bomb);
    const refused = await api.expect(422, 'POST', `/uploads/${session.id}/complete`);
    expect(refused.error.code).toBe('content_mismatch');
    expect(await countBlobs(server)).toBe(before);
    expect((await api.expect(200, 'GET', '/me')).reservedBytes).toBe(0);
  });

  it('cleans up expired sessions and orphaned blobs, and never removes a blob a file points at', async () => {
    const { api } = await signUp(server, uniqueName());
    const data = randomBytes(9 * MIB);
    const kept = await (await api.upload('root', 'kept.bin', data.subarray(0, 1000))).json();
    const session = await startUpload(api, { name: 'left.bin', size: data.length });
    await uploadAll(api, session, data, [1]);
    const orphan = `blobs/${crypto.randomUUID()}`;
    const { Readable } = await import('node:stream');
    await server.deps.blobs.put(orphan, Readable.from([Buffer.from('crashed before its row')]));

    const gc = createGarbageCollector(
      {
        ...server.deps,
        config: { ...server.deps.config, uploads: { ...server.deps.config.uploads, gcGraceSeconds: 60 } },
      },
      createServices(server.deps),
    );
    const early = await gc.run({ dryRun: true });
    expect(early.orphanBlobs).not.toContain(orphan);

    server.clock.advance(server.deps.config.uploads.sessionTtlSeconds * 1000 + 120_000);
    const dry = await gc.run({ dryRun: true });
    expect(dry.orphanBlobs).toContain(orphan);
    expect(await server.deps.blobs.stat(orphan)).toBeDefined();
    const report = await gc.run();
    expect(report.ran).toBe(true);
    expect(report.expiredSessions).toBeGreaterThanOrEqual(1);
    expect(await server.deps.blobs.stat(orphan)).toBeUndefined();
    await api.expect(404, 'GET', `/uploads/${session.id}`);
    expect((await api.expect(200, 'GET', '/me')).reservedBytes).toBe(0);
    expect((await download(api, kept.id)).body.equals(data.subarray(0, 1000))).toBe(true);
    // The invariant: every file's blob exists.
    const files = await server.deps.database.db.query.nodes.findMany({
      where: (n, { eq }) => eq(n.kind, 'file'),
    });
    for (const file of files)
      expect(await server.deps.blobs.stat(file.blobKey ?? ''), file.name).toBeDefined();
    server.clock.advance(-(server.deps.config.uploads.sessionTtlSeconds * 1000 + 120_000));
  });

  it('keeps a session in use alive past its first expiry, writing the new expiry at most once a minute', async () => {
    const { api } = await signUp(server, uniqueName());
    const data = randomBytes(1000);
    const session = await startUpload(api, { name: 'kept-alive.bin', size: data.length });
    const ttlMs = server.deps.config.uploads.sessionTtlSeconds * 1000;
    const expiry = async () => Date.parse((await api.expect(200, 'GET', `/uploads/${session.id}`)).expiresAt);
    let advanced = 0;
    const advance = (ms: number) => {
      server.clock.advance(ms);
      advanced += ms;
    };
    try {
      const first = await expiry();
      advance(10_000);
      // Used within the minute: the expiry stays where it was.
      expect(await expiry()).toBe(first);
      // Used shortly before it expires: it gets the whole ttl again.
      advance(ttlMs - 20_000);
      const before = server.clock.now().getTime();
      const moved = await expiry();
      expect(moved).toBeGreaterThanOrEqual(before + ttlMs);
      expect(moved).toBeLessThanOrEqual(server.clock.now().getTime() + ttlMs);
      // Past the first expiry, the session is open: its part and its completion go through.
      advance(30_000);
      expect(server.clock.now().getTime()).toBeGreaterThan(first);
      expect(await expiry()).toBe(moved);
      const response = await sendPart(api, session, 1, data);
      expect(response.status).toBe(200);
      const node = await api.expect(201, 'POST', `/uploads/${session.id}/complete`);
      expect(node.size).toBe(data.length);
    } finally {
      server.clock.advance(-advanced);
    }
  });

  it('answers 404 for another user’s upload on every route', async () => {
    const owner = await signUp(server, uniqueName());
    const stranger = await signUp(server, uniqueName());
    const data = randomBytes(1000);
    const session = await startUpload(owner.api, { name: 'mine.bin', size: data.length });
    for (const [method, path] of [
      ['GET', `/uploads/${session.id}`],
      ['POST', `/uploads/${session.id}/complete`],
      ['DELETE', `/uploads/${session.id}`],
    ] as const) {
      expect((await stranger.api.expect(404, method, path)).error.code).toBe('not_found');
    }
    if (session.partsNeedCredentials) {
      const response = await stranger.api.request('PUT', `/uploads/${session.id}/parts/1`, {
        body: new Uint8Array(data),
      });
      expect(response.status).toBe(404);
    }
    expect((await stranger.api.expect(200, 'GET', '/uploads')).uploads).toEqual([]);
    await uploadAll(owner.api, session, data);
    await owner.api.expect(201, 'POST', `/uploads/${session.id}/complete`);
  });
});

/** A GET with exactly this Accept-Encoding (fetch would add its own and inflate the body). */
async function rawGet(port: number, path: string, token: string, acceptEncoding: string) {
  const http = await import('node:http');
  return new Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }>(
    (resolve, reject) => {
      http
        .get(
          {
            host: '127.0.0.1',
            port,
            path,
            headers: { authorization: `Bearer ${token}`, 'accept-encoding': acceptEncoding },
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
            res.on('error', reject);
          },
        )
        .on('error', reject);
    },
  );
}

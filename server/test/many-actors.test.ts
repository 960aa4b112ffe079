import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockTree } from '../src/platform/database/locks.ts';
import { Api, countBlobs, signUp, uniqueName } from './client.ts';
import { driverSets, startServer, type TestServer } from './harness.ts';
import { sendPart, sendPartWith, sha256Hex, startUpload } from './uploads-client.ts';

/**
 * Races that many actors on one tree run into: each test fires the same or opposite requests at
 * once, through two API instances on the services set (one PostgreSQL), and checks what was stored.
 */
describe.each(driverSets())('many requests on one tree at once (%s)', (set) => {
  let server: TestServer;
  let peer: TestServer;
  beforeAll(async () => {
    server = await startServer(set);
    peer = set === 'services' ? await startServer(set, { peerOf: server }) : server;
  });
  afterAll(async () => {
    if (peer !== server) await peer.close();
    await server.close();
  });

  /** The same user's client on the other instance. */
  const onPeer = (api: Api) => new Api(peer.origin, api.token);

  async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
    return ((await server.deps.database.db.execute(query)) as unknown as { rows: T[] }).rows;
  }

  async function usedBytesInDatabase(userId: string) {
    const [row] = await rows<{ used: string; files: string }>(sql`
      select u.used_bytes::text as used,
        (select coalesce(sum(stored_size), 0)::text from nodes where owner_id = u.id) as files
      from users u where u.id = ${userId}`);
    return { used: Number(row?.used), files: Number(row?.files) };
  }

  it('ends a revoked app password at once on the other instance too', async () => {
    const { api } = await signUp(server, uniqueName());
    const created = await api.expect(201, 'POST', '/me/app-passwords', {
      json: { name: 'sync', scope: 'read-write' },
    });
    const onB = new Api(peer.origin, created.password);
    // Used on B first, so B holds it in its cache when A revokes it.
    await onB.expect(200, 'GET', '/folders/root');
    await api.expect(204, 'DELETE', `/me/app-passwords/${created.id}`);
    expect((await onB.request('GET', '/folders/root')).status).toBe(401);
  });

  it('never lets two opposite moves make a cycle', async () => {
    const { api, user } = await signUp(server, uniqueName());
    for (let round = 0; round < 12; round++) {
      const a = await api.expect(201, 'POST', '/folders', { json: { parentId: 'root', name: `a${round}` } });
      const b = await api.expect(201, 'POST', '/folders', { json: { parentId: 'root', name: `b${round}` } });
      const [ab, ba] = await Promise.all([
        api.request('PATCH', `/nodes/${a.id}`, { json: { parentId: b.id } }),
        onPeer(api).request('PATCH', `/nodes/${b.id}`, { json: { parentId: a.id } }),
      ]);
      expect([ab.status, ba.status].sort()).toEqual([200, 400]);
      const loser = ab.status === 400 ? ab : ba;
      expect((await loser.json()).error.code).toBe('invalid_move');
    }
    // Every folder still reaches the root without passing itself.
    const cycles = await rows<{ id: string }>(sql`
      with recursive chain(start, id, parent_id, depth) as (
        select id, id, parent_id, 0 from nodes where owner_id = ${user.id}
        union all
        select chain.start, n.id, n.parent_id, chain.depth + 1
        from nodes n join chain on n.id = chain.parent_id where chain.depth < 50
      )
      select start as id from chain where depth > 0 and id = start`);
    expect(cycles).toEqual([]);
  });

  it('refunds a purged file once, however many purges race', async () => {
    const { api, user } = await signUp(server, uniqueName());
    for (let round = 0; round < 4; round++) {
      const file = await (await api.upload('root', `f${round}.bin`, randomBytes(100_000))).json();
      await api.expect(204, 'DELETE', `/nodes/${file.id}`);
      const statuses = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          (i % 2 ? onPeer(api) : api).request('DELETE', `/trash/${file.id}`).then((r) => r.status),
        ),
      );
      expect(statuses.filter((status) => status === 204)).toHaveLength(1);
      expect(statuses.filter((status) => status !== 204).every((status) => status === 404)).toBe(true);
    }
    expect((await api.expect(200, 'GET', '/me')).usedBytes).toBe(0);
    expect(await usedBytesInDatabase(user.id)).toEqual({ used: 0, files: 0 });
  });

  it('charges parallel replaces of one name against the size each actually replaced', async () => {
    const { api, user } = await signUp(server, uniqueName());
    await api.expect(201, 'PUT', '/folders/root/files/report.bin', { body: randomBytes(1000) });
    const sizes = [5_000, 70_000, 12_345, 300_000, 1, 44_444];
    const statuses = await Promise.all(
      sizes.map((size, i) =>
        (i % 2 ? onPeer(api) : api)
          .upload('root', 'report.bin', randomBytes(size), '?onConflict=replace')
          .then((r) => r.status),
      ),
    );
    expect(statuses.every((status) => status === 200)).toBe(true);
    const listing = await api.expect(200, 'GET', '/folders/root');
    expect(listing.children).toHaveLength(1);
    const me = await api.expect(200, 'GET', '/me');
    expect(me.usedBytes).toBe(listing.children[0].size);
    expect(await usedBytesInDatabase(user.id)).toEqual({ used: me.usedBytes, files: me.usedBytes });
  });

  it('never lets a part sent again during completion change the checked file', async () => {
    const { api } = await signUp(server, uniqueName());
    const size = 4 * 1024 * 1024;
    for (let trial = 0; trial < 8; trial++) {
      const original = randomBytes(size);
      const resent = randomBytes(size);
      const session = await startUpload(api, { name: `race${trial}.bin`, size });
      expect((await sendPart(api, session, 1, original)).status).toBe(200);
      // The part again, slowly: half of it, a pause, the rest, so that it straddles the completion.
      const slowBody = new ReadableStream<Uint8Array>({
        async start(controller) {
          controller.enqueue(new Uint8Array(resent.subarray(0, size / 2)));
          await sleep(40 + trial * 15);
          controller.enqueue(new Uint8Array(resent.subarray(size / 2)));
          controller.close();
        },
      });
      const headers: Record<string, string> = { 'content-length': String(size) };
      if (session.partsNeedCredentials) headers.authorization = `Bearer ${api.token}`;
      const resend = fetch(session.parts[0]?.url ?? '', {
        method: 'PUT',
        body: slowBody,
        headers,
        duplex: 'half',
      } as RequestInit).then((r) => r.status);
      await sleep(trial * 5);
      const completing = onPeer(api).request('POST', `/uploads/${session.id}/complete`);
      const [resendStatus, completed] = await Promise.all([resend, completing]);
      // Through the API a part is taken before the completion or refused; S3 may also have
      // finished the multipart upload by the time it arrives.
      expect(session.partsNeedCredentials ? [200, 409] : [200, 400, 403, 404]).toContain(resendStatus);
      let node = completed.status === 201 ? await completed.json() : undefined;
      if (node === undefined) {
        expect(completed.status).toBe(409);
        node = await api.expect(201, 'POST', `/uploads/${session.id}/complete`);
      }
      const content = Buffer.from(
        await (await api.request('GET', `/files/${node.id}/content`)).arrayBuffer(),
      );
      expect([sha256Hex(original), sha256Hex(resent)]).toContain(sha256Hex(content));
      // Parts straight to S3 pass no server, so nothing hashed them; through the API, what was checked is what is kept.
      if (session.partsNeedCredentials) expect(sha256Hex(content)).toBe(node.sha256);
    }
  });

  it('records a file once when completions race, and no loser deletes what the winner recorded', async () => {
    const { api } = await signUp(server, uniqueName());
    for (let round = 0; round < 4; round++) {
      const data = randomBytes(300_000 + round);
      const session = await startUpload(api, {
        name: `raced${round}.bin`,
        size: data.length,
        sha256: sha256Hex(data),
      });
      expect((await sendPart(api, session, 1, data)).status).toBe(200);
      const answers = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          (i % 2 ? onPeer(api) : api).request('POST', `/uploads/${session.id}/complete`),
        ),
      );
      const statuses = answers.map((answer) => answer.status);
      expect(
        statuses.every((status) => [200, 201, 409].includes(status)),
        statuses.join(),
      ).toBe(true);
      // One of them completed it; completing again answers that file.
      const node = await api.expect(200, 'POST', `/uploads/${session.id}/complete`);
      const listing = await api.expect(200, 'GET', '/folders/root');
      expect(
        listing.children.filter((child: { name: string }) => child.name.startsWith(`raced${round}`)),
      ).toHaveLength(1);
      const content = Buffer.from(
        await (await api.request('GET', `/files/${node.id}/content`)).arrayBuffer(),
      );
      expect(content.equals(data)).toBe(true);
    }
    const me = await api.expect(200, 'GET', '/me');
    expect(me.reservedBytes).toBe(0);
  });

  it('lets one of racing completions with the right, a wrong or no SHA-256 decide, and never makes a file of a wrong one', async () => {
    const { api, user } = await signUp(server, uniqueName());
    type Digest = 'right' | 'wrong' | 'none';
    const kinds: Digest[] = ['right', 'wrong', 'none', 'right', 'wrong', 'none'];
    // Who goes first: nobody (all at once), or one kind given a head start until the session is claimed.
    const rounds: (Digest | undefined)[] = [
      undefined,
      undefined,
      undefined,
      undefined,
      'wrong',
      'right',
      'none',
    ];
    let files = 0;
    let charged = 0;
    for (const [round, first] of rounds.entries()) {
      const name = `digest${round}.bin`;
      const data = randomBytes(200_000 + round);
      const session = await startUpload(api, { name, size: data.length });
      expect((await sendPart(api, session, 1, data)).status).toBe(200);
      const [{ blob_key: blobKey } = { blob_key: '' }] = await rows<{ blob_key: string }>(
        sql`select blob_key from uploads where id = ${session.id}`,
      );
      const blobsBefore = await countBlobs(server);
      const order = kinds.map((_, i) => kinds[(i + round) % kinds.length] as Digest);
      const complete = (kind: Digest, i: number) => {
        const sha256 =
          kind === 'right' ? sha256Hex(data) : kind === 'wrong' ? sha256Hex(randomBytes(8)) : undefined;
        return (i % 2 ? onPeer(api) : api)
          .request(
            'POST',
            `/uploads/${session.id}/complete`,
            sha256 === undefined ? {} : { json: { sha256 } },
          )
          .then(async (response) => ({ kind, status: response.status, body: await response.json() }));
      };
      const answers = [];
      if (first !== undefined) {
        const leading = complete(first, 0);
        // Claimed (or already decided) before any other completion is sent.
        while (
          (await rows<{ status: string }>(sql`select status from uploads where id = ${session.id}`))[0]
            ?.status === 'open'
        )
          await sleep(1);
        answers.push(...(await Promise.all([leading, ...order.map((kind, i) => complete(kind, i + 1))])));
      } else {
        answers.push(...(await Promise.all(order.map((kind, i) => complete(kind, i)))));
      }
      const summary = answers.map((a) => `${a.kind}:${a.status}:${a.body.error?.code ?? ''}`).join(' ');
      // Exactly one completion decides: it records the file (201), or, its SHA-256 wrong, discards the session (422).
      const deciders = answers.filter((a) => a.status === 201 || a.status === 422);
      expect(deciders, summary).toHaveLength(1);
      const decider = deciders[0] as (typeof answers)[number];
      if (first !== undefined) expect(decider.kind, summary).toBe(first);
      for (const answer of answers) {
        if (answer === decider) continue;
        // The others: the same file, or a clear refusal; a wrong SHA-256 never gets a file.
        const allowed =
          answer.kind === 'wrong'
            ? ['409:upload_completing', '409:sha256_conflict', '404:not_found']
            : ['200:', '409:upload_completing', '409:sha256_conflict', '404:not_found'];
        expect(allowed, summary).toContain(`${answer.status}:${answer.body.error?.code ?? ''}`);
        if (answer.status === 200) expect(answer.body.id).toBe(decider.body.id);
        if (answer.status === 409 && answer.body.error.code === 'sha256_conflict' && answer.kind !== 'wrong')
          // The right SHA-256 conflicts only with a completion that hashed nothing: parts straight to S3.
          expect([set, decider.kind]).toEqual(['services', 'none']);
      }
      if (decider.kind === 'wrong') expect(decider.status, summary).toBe(422);
      if (decider.kind !== 'wrong') expect(decider.status, summary).toBe(201);
      if (answers.some((a) => a.status === 404)) expect(decider.status, summary).toBe(422);

      // Once it is decided, completing again (both instances, every kind at once) answers what was decided.
      for (const again of await Promise.all(kinds.map((kind, i) => complete(kind, i)))) {
        const expected =
          decider.status === 422
            ? '404:not_found'
            : again.kind === 'wrong' ||
                (again.kind === 'right' && set === 'services' && decider.kind === 'none')
              ? '409:sha256_conflict'
              : '200:';
        expect(`${again.status}:${again.body.error?.code ?? ''}`, `${again.kind} after ${summary}`).toBe(
          expected,
        );
        if (again.status === 200) expect(again.body.id).toBe(decider.body.id);
      }

      const listing = await api.expect(200, 'GET', '/folders/root');
      const named = listing.children.filter((child: { name: string }) => child.name === name);
      const [row] = await rows<{ status: string; sha256: string | null }>(
        sql`select status, sha256 from uploads where id = ${session.id}`,
      );
      if (decider.status === 201) {
        files += 1;
        charged += data.length;
        expect(named).toHaveLength(1);
        const node = named[0];
        expect(node.id).toBe(decider.body.id);
        const content = Buffer.from(
          await (await api.request('GET', `/files/${node.id}/content`)).arrayBuffer(),
        );
        expect(content.equals(data)).toBe(true);
        const hashed = set === 'embedded' || decider.kind === 'right';
        expect(node.sha256).toBe(hashed ? sha256Hex(data) : null);
        expect(row).toEqual({ status: 'completed', sha256: node.sha256 });
        expect(await countBlobs(server)).toBe(blobsBefore + 1);
      } else {
        expect(named).toEqual([]);
        expect(row?.status).toBe('aborted');
        expect((await api.request('GET', `/uploads/${session.id}`)).status).toBe(404);
        expect(await countBlobs(server)).toBe(blobsBefore);
      }
      // The store keeps nothing of the session's parts either way.
      for await (const upload of server.deps.blobs.multipart.list()) expect(upload.key).not.toBe(blobKey);
      // Charged once for the file, the reservation gone.
      const me = await api.expect(200, 'GET', '/me');
      expect([me.usedBytes, me.reservedBytes]).toEqual([charged, 0]);
      expect(await usedBytesInDatabase(user.id)).toEqual({ used: charged, files: charged });
    }
    // The rounds with a head start for a right or no SHA-256 made a file at least.
    expect(files).toBeGreaterThanOrEqual(2);
  });

  /** alice shares a folder with bob as `role`; bob's client is on the other instance. */
  async function sharedFolder(role: 'viewer' | 'editor') {
    const alice = await signUp(server, uniqueName('alice'));
    const bob = await signUp(server, uniqueName('bob'));
    const folder = await alice.api.expect(201, 'POST', '/folders', {
      json: { parentId: 'root', name: 'Shared' },
    });
    await alice.api.expect(201, 'POST', `/nodes/${folder.id}/members`, {
      json: { username: bob.user.username, role },
    });
    return { alice, bob, bobOnPeer: onPeer(bob.api), folder };
  }

  it('takes a member’s removal on one instance into account at once on the other', async () => {
    const { alice, bob, bobOnPeer, folder } = await sharedFolder('viewer');
    // The other instance has read, and so holds, bob's memberships.
    await bobOnPeer.expect(200, 'GET', `/folders/${folder.id}`);
    await bobOnPeer.expect(200, 'GET', `/folders/${folder.id}`);
    await alice.api.expect(204, 'DELETE', `/nodes/${folder.id}/members/${bob.user.id}`);
    expect((await bobOnPeer.request('GET', `/folders/${folder.id}`)).status).toBe(404);
    expect((await bobOnPeer.expect(200, 'GET', '/shared')).items).toEqual([]);
  });

  it('refuses an upload on one instance once the role was lowered on the other', async () => {
    const { alice, bob, bobOnPeer, folder } = await sharedFolder('editor');
    expect((await bobOnPeer.upload(folder.id, 'before.txt', 'ok')).status).toBe(201);
    await alice.api.expect(200, 'PATCH', `/nodes/${folder.id}/members/${bob.user.id}`, {
      json: { role: 'viewer' },
    });
    const refused = await bobOnPeer.upload(folder.id, 'after.txt', 'no');
    expect(refused.status).toBe(403);
    expect(
      (await bobOnPeer.request('POST', '/uploads', { json: { parentId: folder.id, name: 'a.bin', size: 5 } }))
        .status,
    ).toBe(403);
    const listing = await alice.api.expect(200, 'GET', `/folders/${folder.id}`);
    expect(listing.children.map((child: { name: string }) => child.name)).toEqual(['before.txt']);
  });

  it('keeps the tree whole when a member trashes a node while its owner moves it out of the shared folder', async () => {
    const { alice, bobOnPeer, folder } = await sharedFolder('editor');
    const own = await alice.api.expect(201, 'POST', '/folders', { json: { parentId: 'root', name: 'Own' } });
    for (let round = 0; round < 10; round++) {
      const node = await alice.api.expect(201, 'POST', '/folders', {
        json: { parentId: folder.id, name: `n${round}` },
      });
      const [trashed, moved] = await Promise.all([
        bobOnPeer.request('DELETE', `/nodes/${node.id}`),
        alice.api.request('PATCH', `/nodes/${node.id}`, { json: { parentId: own.id } }),
      ]);
      // One of them happened first; the other then found the node gone (to the trash, or out of reach).
      const statuses = [trashed.status, moved.status];
      expect([
        [204, 404],
        [404, 200],
      ]).toContainEqual(statuses);
      const [row] = await rows<{ parent_id: string; trashed: boolean }>(
        sql`select parent_id, trashed_at is not null as trashed from nodes where id = ${node.id}`,
      );
      expect(row).toEqual(
        trashed.status === 204
          ? { parent_id: folder.id, trashed: true }
          : { parent_id: own.id, trashed: false },
      );
    }
  });

  it('gives a link with maxDownloads: 3 exactly three whole downloads however many race on both instances', async () => {
    const { api } = await signUp(server, uniqueName());
    const data = randomBytes(200_000);
    const file = await (await api.upload('root', 'three.bin', data)).json();
    const share = await api.expect(201, 'POST', '/shares', {
      json: { nodeId: file.id, kind: 'link', maxDownloads: 3 },
    });
    const answers = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const response = await fetch(
          `${(i % 2 ? peer : server).origin}/api/v1/public/${share.token}/content`,
        );
        return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
      }),
    );
    const whole = answers.filter((answer) => answer.status === 200);
    expect(whole).toHaveLength(3);
    for (const answer of whole) expect(answer.body.equals(data)).toBe(true);
    expect(answers.filter((answer) => answer.status === 404)).toHaveLength(17);
    expect((await api.expect(200, 'GET', `/shares/${share.id}`)).downloads).toBe(3);
  });

  it('ends a link on every instance from the request after it is revoked on one', async () => {
    const { api } = await signUp(server, uniqueName());
    const file = await (await api.upload('root', 'brief.txt', 'for a moment')).json();
    const share = await api.expect(201, 'POST', '/shares', { json: { nodeId: file.id, kind: 'link' } });
    const onB = () => fetch(`${peer.origin}/api/v1/public/${share.token}/content`);
    const before = await onB();
    expect(before.status).toBe(200);
    expect(await before.text()).toBe('for a moment');
    await api.expect(204, 'DELETE', `/shares/${share.id}`);
    const after = await onB();
    expect(after.status).toBe(404);
    expect((await after.json()).error.code).toBe('share_not_found');
  });

  it('keeps one whole change of a link when changes race on both instances, and ends the grants of the old password', async () => {
    const { api } = await signUp(server, uniqueName());
    const file = await (await api.upload('root', 'guarded.txt', 'behind a password')).json();
    const share = await api.expect(201, 'POST', '/shares', {
      json: { nodeId: file.id, kind: 'link', password: 'the first one' },
    });
    const anyone = new Api(server.origin);
    const unlock = (password: string) =>
      anyone.request('POST', `/public/${share.token}/unlock`, { json: { password } });
    const { access } = await (await unlock('the first one')).json();
    const content = () =>
      fetch(`${peer.origin}/api/v1/public/${share.token}/content`, { headers: { 'x-share-access': access } });
    expect((await content()).status).toBe(200);

    const changes = Array.from({ length: 8 }, (_, i) => ({
      password: `password number ${i + 1}`,
      maxDownloads: i + 2,
    }));
    const answers = await Promise.all(
      changes.map((json, i) => (i % 2 ? onPeer(api) : api).request('PATCH', `/shares/${share.id}`, { json })),
    );
    expect(answers.map((answer) => answer.status)).toEqual(changes.map(() => 200));

    // Of all the passwords, exactly one opens the link: the one sent with the limit it keeps (each
    // limit above the one download made already, so the link is alive whichever change won).
    const { maxDownloads } = await api.expect(200, 'GET', `/shares/${share.id}`);
    const opened = [];
    for (const change of changes) if ((await unlock(change.password)).status === 200) opened.push(change);
    expect(opened).toEqual([changes[maxDownloads - 2]]);
    const gone = await content();
    expect(gone.status).toBe(401);
  });

  /** A folder of a new user's and a drop link to it; `drop` puts a file in through either instance. */
  async function dropBox(settings: Record<string, unknown> = {}) {
    const owner = await signUp(server, uniqueName());
    const folder = await owner.api.expect(201, 'POST', '/folders', {
      json: { parentId: 'root', name: 'Inbox' },
    });
    const { token } = await owner.api.expect(201, 'POST', '/shares', {
      json: { nodeId: folder.id, kind: 'drop', ...settings },
    });
    const anyone = (i: number) => new Api(i % 2 ? peer.origin : server.origin);
    const drop = (i: number, name: string, body: Buffer) =>
      anyone(i).request('PUT', `/public/${token}/files/${name}`, { body: new Uint8Array(body) });
    return { ...owner, folder, token, anyone, drop };
  }

  it('stores parallel drops of one name under ten names, each file intact', async () => {
    const { api, user, folder, drop } = await dropBox();
    const files = Array.from({ length: 10 }, () => randomBytes(20_000));
    const answers = await Promise.all(files.map((data, i) => drop(i, 'scan.pdf', data)));
    expect(answers.map((answer) => answer.status)).toEqual(Array(10).fill(201));
    const names = await Promise.all(answers.map(async (answer) => (await answer.json()).name));
    expect(new Set(names).size).toBe(10);
    expect(names).toContain('scan.pdf');
    const { children } = await api.expect(200, 'GET', `/folders/${folder.id}`);
    expect(children.map((child: { name: string }) => child.name).sort()).toEqual([...names].sort());
    for (const [i, name] of names.entries()) {
      const node = children.find((child: { name: string }) => child.name === name);
      const content = Buffer.from(
        await (await api.request('GET', `/files/${node.id}/content`)).arrayBuffer(),
      );
      expect(content.equals(files[i] as Buffer)).toBe(true);
    }
    expect(await usedBytesInDatabase(user.id)).toEqual({ used: 200_000, files: 200_000 });
  });

  it('takes exactly maxFiles of parallel drops, whole or completed from parts', async () => {
    const { api, user, folder, token, anyone, drop } = await dropBox({ maxFiles: 4 });
    // Four sessions started first, while the drop still has room; completed among six simple drops.
    const sessions = await Promise.all(
      [0, 1, 2, 3].map((i) =>
        anyone(i).expect(201, 'POST', `/public/${token}/uploads`, {
          json: { name: `part${i}.bin`, size: 1000 },
        }),
      ),
    );
    const data = randomBytes(1000);
    for (const session of sessions) expect((await sendPartWith(session, 1, data)).status).toBe(200);
    const answers = await Promise.all([
      ...[0, 1, 2, 3, 4, 5].map((i) => drop(i, `whole${i}.bin`, data)),
      ...sessions.map((session, i) =>
        anyone(i + 1).request('POST', `/public/${token}/uploads/${session.id}/complete`),
      ),
    ]);
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(4);
    expect(statuses.filter((status) => status === 404)).toHaveLength(6);
    const { children } = await api.expect(200, 'GET', `/folders/${folder.id}`);
    expect(children).toHaveLength(4);
    const [share] = await rows<{ files_dropped: number }>(
      sql`select files_dropped from share_links where node_id = ${folder.id}`,
    );
    expect(share?.files_dropped).toBe(4);
    expect(await usedBytesInDatabase(user.id)).toEqual({ used: 4000, files: 4000 });
    // Sessions that came too late were aborted, their reservations given back.
    expect((await api.expect(200, 'GET', '/me')).reservedBytes).toBe(0);
  });
});

// A transaction held open by the test while a request waits needs a second connection: PostgreSQL only.
describe.runIf(driverSets().includes('services'))('requests that wait on a unit of work (services)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer('services');
  });
  afterAll(() => server.close());

  async function rows<T>(query: ReturnType<typeof sql>): Promise<T[]> {
    return ((await server.deps.database.db.execute(query)) as unknown as { rows: T[] }).rows;
  }

  it('refuses an upload session into a folder purged while it is being created, and reserves nothing', async () => {
    const { api, user } = await signUp(server, uniqueName());
    const folder = await api.expect(201, 'POST', '/folders', { json: { parentId: 'root', name: 'going' } });
    let created: Promise<Response> | undefined;
    // A purge of the folder, holding the tree's lock, while the session is being created.
    await server.deps.database.db.transaction(async (tx) => {
      await lockTree(tx, user.id);
      await tx.execute(sql`delete from nodes where id = ${folder.id}`);
      created = api.request('POST', '/uploads', {
        json: { parentId: folder.id, name: 'late.bin', size: 1000 },
      });
      await sleep(500);
    });
    const response = (await created) as Response;
    expect(response.status).toBe(404);
    expect((await response.json()).error.code).toBe('not_found');
    expect((await api.expect(200, 'GET', '/me')).reservedBytes).toBe(0);
    expect(await rows(sql`select id from uploads where owner_id = ${user.id}`)).toEqual([]);
  });

  it('refuses to abort a session that a completion claimed after the abort read it', async () => {
    const { api } = await signUp(server, uniqueName());
    const session = await api.expect(201, 'POST', '/uploads', {
      json: { parentId: 'root', name: 'claimed.bin', size: 1000 },
    });
    let aborted: Promise<Response> | undefined;
    // A completion's claim, taken while the abort waits for the session's row.
    await server.deps.database.db.transaction(async (tx) => {
      await tx.execute(sql`select id from uploads where id = ${session.id} for update`);
      aborted = api.request('DELETE', `/uploads/${session.id}`);
      await sleep(500);
      await tx.execute(sql`update uploads set status = 'completing', completion_id = gen_random_uuid(),
          completing_until = now() + interval '60 seconds' where id = ${session.id}`);
    });
    const response = (await aborted) as Response;
    expect(response.status).toBe(409);
    expect((await response.json()).error.code).toBe('upload_completing');
    const [row] = await rows<{ status: string }>(sql`select status from uploads where id = ${session.id}`);
    expect(row?.status).toBe('completing');
    expect((await api.expect(200, 'GET', '/me')).reservedBytes).toBe(1000);
  });
});

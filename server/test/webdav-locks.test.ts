import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGarbageCollector } from '../src/features/gc/garbage-collector.ts';
import { LOCKS, lockTree } from '../src/platform/database/locks.ts';
import { createServices } from '../src/services.ts';
import { davClient, davSignUp, litmus } from './dav-client.ts';
import { driverSets, startServer, type TestServer } from './harness.ts';

const LOCKINFO = (scope: 'exclusive' | 'shared') =>
  `<?xml version="1.0"?><D:lockinfo xmlns:D="DAV:"><D:lockscope><D:${scope}/></D:lockscope>` +
  '<D:locktype><D:write/></D:locktype><D:owner>tests</D:owner></D:lockinfo>';

describe.each(driverSets())('WebDAV locks (%s)', (set) => {
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

  it('passes litmus locks', { timeout: 180_000 }, async () => {
    const account = await davSignUp(server);
    const { summaries, problems, stdout } = await litmus(server, account, ['locks']);
    expect(summaries, stdout).toEqual({ locks: { run: 41, passed: 41, failed: 0 } });
    expect(problems).toEqual([]);
  });

  /** LOCK with a lockinfo body; answers the status and the token granted (if any). */
  async function lock(dav: ReturnType<typeof davClient>, path: string, headers: Record<string, string> = {}) {
    const response = await dav('LOCK', path, {
      headers: { 'content-type': 'application/xml', timeout: 'Second-300', ...headers },
      body: LOCKINFO('exclusive'),
    });
    const token = /^<(.+)>$/.exec(response.headers.get('lock-token') ?? '')?.[1];
    return { status: response.status, token, body: await response.text() };
  }

  it('refuses a write without the token on every instance, and takes it with the token', async () => {
    const account = await davSignUp(server);
    const onA = davClient(server, account);
    const onB = davClient(peer, account);
    expect((await onA('PUT', '/report.txt', { body: 'one' })).status).toBe(201);
    const { status, token, body } = await lock(onA, '/report.txt');
    expect(status).toBe(200);
    expect(token).toMatch(/^opaquelocktoken:[0-9a-f-]{36}$/);
    expect(body).toContain('<D:timeout>Second-300</D:timeout>');
    expect((await onB('PUT', '/report.txt', { body: 'two' })).status).toBe(423);
    expect((await onB('DELETE', '/report.txt')).status).toBe(423);
    expect(
      (await onB('PUT', '/report.txt', { body: 'two', headers: { if: '(<opaquelocktoken:nope>)' } })).status,
    ).toBe(412);
    expect((await onB('PUT', '/report.txt', { body: 'two', headers: { if: `(<${token}>)` } })).status).toBe(
      204,
    );
    expect(await (await onA('GET', '/report.txt')).text()).toBe('two');
    const found = await (await onB('PROPFIND', '/report.txt', { headers: { depth: '0' } })).text();
    expect(found).toContain(`<D:href>${token}</D:href>`);
    expect((await onB('UNLOCK', '/report.txt', { headers: { 'lock-token': `<${token}>` } })).status).toBe(
      204,
    );
    expect((await onA('PUT', '/report.txt', { body: 'three' })).status).toBe(204);
  });

  it('grants one exclusive lock of many asked for at once', async () => {
    const account = await davSignUp(server);
    const clients = [davClient(server, account), davClient(peer, account)];
    expect((await clients[0]?.('MKCOL', '/contested'))?.status).toBe(201);
    const asked = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        lock(clients[i % 2] ?? davClient(server, account), '/contested/doc.txt'),
      ),
    );
    const statuses = asked.map((answer) => answer.status).sort();
    expect(statuses.filter((s) => s === 200 || s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 423)).toHaveLength(7);
    const rows = (await server.deps.database.db.execute(
      sql`select count(*)::int as n from dav_locks where path = '/contested/doc.txt'`,
    )) as unknown as { rows: { n: number }[] };
    expect(rows.rows[0]?.n).toBe(1);
  });

  // Two instances on one PostgreSQL: the tree's lock, held here, lines a LOCK up before a write.
  if (set === 'services')
    it('decides a PUT, DELETE or MOVE on the locks in its own unit of work: a LOCK granted first refuses it', async () => {
      const account = await davSignUp(server);
      const onA = davClient(server, account);
      const onB = davClient(peer, account);
      const { db } = server.deps.database;
      /** How many requests wait for a tree's lock in this database. */
      const waiting = async () => {
        const result = (await db.execute(sql`
          select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted
            and classid = ${LOCKS.tree}
            and database = (select oid from pg_database where datname = current_database())`)) as unknown as {
          rows: { n: number }[];
        };
        return result.rows[0]?.n ?? 0;
      };
      const untilWaiting = async (count: number) => {
        for (let tries = 0; (await waiting()) < count; tries++) {
          if (tries > 500) throw new Error(`${count} requests never waited for the tree's lock`);
          await sleep(10);
        }
      };
      const writes: Record<string, (path: string) => Promise<Response>> = {
        PUT: (path) => onB('PUT', path, { body: 'replaced' }),
        DELETE: (path) => onB('DELETE', path),
        MOVE: (path) => onB('MOVE', path, { headers: { destination: `/dav/moved${path}` } }),
      };
      expect((await onA('MKCOL', '/moved')).status).toBe(201);
      for (const [method, write] of Object.entries(writes)) {
        const path = `/raced-${method}.txt`;
        expect((await onA('PUT', path, { body: 'original' })).status).toBe(201);
        let locking: ReturnType<typeof lock> | undefined;
        let writing: Promise<Response> | undefined;
        // The LOCK through A waits first, then the write through B (past any check made before its
        // unit of work); once the tree is free, the LOCK is granted, then the write decides.
        await db.transaction(async (tx) => {
          await lockTree(tx, account.user.id);
          locking = lock(onA, path);
          await untilWaiting(1);
          writing = write(path);
          await untilWaiting(2);
        });
        const [locked, written] = await Promise.all([locking, writing]);
        expect(locked?.status, method).toBe(200);
        expect(written?.status, method).toBe(423);
        expect(await (await onA('GET', path)).text(), method).toBe('original');
        expect((await onA('GET', `/moved${path}`)).status, method).toBe(404);
        const rows = (await db.execute(
          sql`select token from dav_locks where user_id = ${account.user.id} and path = ${path}`,
        )) as unknown as { rows: { token: string }[] };
        expect(
          rows.rows.map((row) => row.token),
          method,
        ).toEqual([locked?.token]);
      }
      // A Depth 0 lock on a folder, granted first, refuses a new file in it (a change of its
      // members, looked at in the write's unit of work) but not new bytes for a file already there.
      expect((await onA('MKCOL', '/members')).status).toBe(201);
      expect((await onA('PUT', '/members/there.txt', { body: 'original' })).status).toBe(201);
      let locking: ReturnType<typeof lock> | undefined;
      let adding: Promise<Response> | undefined;
      await db.transaction(async (tx) => {
        await lockTree(tx, account.user.id);
        locking = lock(onA, '/members/', { depth: '0' });
        await untilWaiting(1);
        adding = onB('PUT', '/members/new.txt', { body: 'new' });
        await untilWaiting(2);
      });
      const [locked, added] = await Promise.all([locking, adding]);
      expect(locked?.status).toBe(200);
      expect(added?.status).toBe(423);
      expect((await onA('GET', '/members/new.txt')).status).toBe(404);
      expect((await onB('PUT', '/members/there.txt', { body: 'replaced' })).status).toBe(204);
      expect((await onB('PUT', '/members/new.txt', { body: 'new' })).status).toBe(423);
    });

  it('ignores an expired lock, and the garbage collector sweeps it', async () => {
    const account = await davSignUp(server);
    const dav = davClient(server, account);
    expect((await dav('PUT', '/old.txt', { body: 'x' })).status).toBe(201);
    const { token } = await lock(dav, '/old.txt', { timeout: 'Infinite' });
    expect((await dav('PUT', '/old.txt', { body: 'y' })).status).toBe(423);
    await server.deps.database.db.execute(
      sql`update dav_locks set expires_at = now() - interval '1 minute' where token = ${token}`,
    );
    expect((await dav('PUT', '/old.txt', { body: 'y' })).status).toBe(204);
    const gc = createGarbageCollector(server.deps, createServices(server.deps));
    expect((await gc.run({ dryRun: true })).expiredDavLocks).toBeGreaterThanOrEqual(1);
    expect((await gc.run()).expiredDavLocks).toBeGreaterThanOrEqual(1);
    expect((await gc.run({ dryRun: true })).expiredDavLocks).toBe(0);
  });

  it('guards everything under a folder locked at Depth infinity, and a move leaves the lock behind', async () => {
    const account = await davSignUp(server);
    const dav = davClient(server, account);
    expect((await dav('MKCOL', '/team')).status).toBe(201);
    expect((await dav('PUT', '/team/a.txt', { body: 'a' })).status).toBe(201);
    const { status, token } = await lock(dav, '/team/');
    expect(status).toBe(200);
    expect((await dav('PUT', '/team/b.txt', { body: 'b' })).status).toBe(423);
    expect((await dav('MKCOL', '/team/sub')).status).toBe(423);
    expect((await dav('DELETE', '/team/a.txt')).status).toBe(423);
    expect((await lock(dav, '/team/a.txt')).status).toBe(423);
    const move = { destination: '/dav/moved/', if: `(<${token}>)` };
    expect((await dav('MOVE', '/team/', { headers: { destination: '/dav/moved/' } })).status).toBe(423);
    expect((await dav('MOVE', '/team/', { headers: move })).status).toBe(201);
    expect((await dav('PUT', '/moved/b.txt', { body: 'b' })).status).toBe(201);
    expect((await dav('UNLOCK', '/moved/', { headers: { 'lock-token': `<${token}>` } })).status).toBe(409);
  });
});

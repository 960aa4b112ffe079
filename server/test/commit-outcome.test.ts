import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TreeWork } from '../src/features/nodes/nodes.service.ts';
import { CommitOutcomeUnknownError, isDatabaseUnavailable } from '../src/platform/database/database.ts';
import { createServices, type Services } from '../src/services.ts';
import { countBlobs, signUp, uniqueName } from './client.ts';
import { type PostgresCutter, startPostgresCutter } from './faults/postgres-cut.ts';
import { driverSets, startServer, type TestServer } from './harness.ts';
import { storedContent } from './service-world.ts';
import { throughProxy } from './services.ts';

/** The advisory lock a test holds to keep a unit of work waiting where it wants it. */
const HOLD = 727_199;

/**
 * A unit of work whose database goes away: at its COMMIT nobody knows whether it committed
 * (CommitOutcomeUnknownError, and the blob it records is kept); before it, it was rolled back.
 * Cut for real: the connection of that one transaction, at a chosen message of the wire protocol
 * (a proxy in between), or its backend ended by pg_terminate_backend from another connection.
 */
// Part of the `services` driver set (TEST_DRIVERS=embedded,services), which CI runs.
describe.runIf(driverSets().includes('services'))(
  'a unit of work cut off by the database (PostgreSQL)',
  () => {
    let cutter: PostgresCutter;
    let server: TestServer;
    let services: Services;
    /** Straight to PostgreSQL, past the proxy: to look and to end backends. */
    let admin: pg.Client;

    beforeAll(async () => {
      cutter = await startPostgresCutter('127.0.0.1', 5432);
      server = await startServer('services', {
        routeDatabase: throughProxy(cutter.port),
      });
      services = createServices(server.deps);
      admin = new pg.Client({ connectionString: server.deps.config.databaseUrl });
      await admin.connect();
    });
    afterAll(async () => {
      await admin?.end();
      await server?.close();
      await cutter?.close();
    });

    async function owner() {
      const { api, user } = await signUp(server, uniqueName());
      const root = await api.expect(200, 'GET', '/folders/root');
      return { api, userId: user.id as string, rootId: root.folder.id as string };
    }

    /** A unit of work recording a file named `name`; `more` runs in it after the insert. */
    function recordFile(userId: string, rootId: string, name: string, more?: (w: TreeWork) => Promise<void>) {
      return services.nodes.inTree(userId, name, async (w) => {
        const recorded = await services.nodes.recordFile(w, rootId, name, 'fail', storedContent(10));
        await more?.(w);
        return recorded;
      });
    }

    async function fileNamed(userId: string, name: string) {
      const { rows } = await admin.query('select id from nodes where owner_id = $1 and name = $2', [
        userId,
        name,
      ]);
      return rows.length;
    }

    /** The failure of `work`, which must fail. */
    async function failureOf(work: Promise<unknown>): Promise<unknown> {
      const outcome = await work.then(
        () => undefined,
        (error: unknown) => ({ error }),
      );
      expect(outcome, 'the unit of work should have failed').toBeDefined();
      return outcome?.error;
    }

    /** Waits for the backend that is waiting on HOLD while running a statement matching `query`, and ends it. */
    async function terminateBackendWaitingIn(query: string) {
      for (let tries = 0; tries < 500; tries++) {
        const { rows } = await admin.query<{ pid: number }>(
          `select pid from pg_stat_activity
         where datname = current_database() and wait_event_type = 'Lock' and wait_event = 'advisory'
           and query ilike $1`,
          [query],
        );
        if (rows[0] !== undefined) {
          const ended = await admin.query('select pg_terminate_backend($1) as ended', [rows[0].pid]);
          expect(ended.rows[0].ended).toBe(true);
          return;
        }
        await sleep(10);
      }
      throw new Error(`no backend waited on the advisory lock in ${query}`);
    }

    it('classifies a COMMIT whose answer never came as commit-unknown, though it did commit', async () => {
      const { userId, rootId } = await owner();
      const name = `answer-lost-${randomBytes(4).toString('hex')}.bin`;
      const cut = cutter.arm(name, 'at-commit-answer');
      const error = await failureOf(recordFile(userId, rootId, name));
      await cut;
      expect(error).toBeInstanceOf(CommitOutcomeUnknownError);
      // The reason nobody may assume either outcome: this one committed.
      expect(await fileNamed(userId, name)).toBe(1);
    });

    it('classifies a backend ended while its COMMIT runs as commit-unknown', async () => {
      const { userId, rootId } = await owner();
      const name = `ended-at-commit-${randomBytes(4).toString('hex')}.bin`;
      // A deferred trigger runs inside COMMIT: there it waits for the lock this test holds.
      const fn = `hold_commit_${randomBytes(4).toString('hex')}`;
      await admin.query(`create function ${fn}() returns trigger language plpgsql as $$
      begin perform pg_advisory_xact_lock(${HOLD}); return null; end $$`);
      await admin.query(`create constraint trigger ${fn} after insert on nodes deferrable initially deferred
      for each row when (new.name = '${name}') execute function ${fn}()`);
      await admin.query('select pg_advisory_lock($1)', [HOLD]);
      try {
        const work = failureOf(recordFile(userId, rootId, name));
        await terminateBackendWaitingIn('commit');
        expect(await work).toBeInstanceOf(CommitOutcomeUnknownError);
      } finally {
        await admin.query('select pg_advisory_unlock($1)', [HOLD]);
        await admin.query(`drop trigger ${fn} on nodes`);
        await admin.query(`drop function ${fn}()`);
      }
      // Ended before it committed, this time.
      expect(await fileNamed(userId, name)).toBe(0);
    });

    it('does not classify a unit of work cut off before its COMMIT as commit-unknown', async () => {
      const { userId, rootId } = await owner();
      const name = `cut-before-${randomBytes(4).toString('hex')}.bin`;
      const cut = cutter.arm(name, 'at-marker');
      const error = await failureOf(recordFile(userId, rootId, name));
      await cut;
      expect(error).not.toBeInstanceOf(CommitOutcomeUnknownError);
      expect(isDatabaseUnavailable(error)).toBe(true);
      expect(await fileNamed(userId, name)).toBe(0);

      // Its backend ended while the work still runs: the same.
      const ended = `ended-before-${randomBytes(4).toString('hex')}.bin`;
      await admin.query('select pg_advisory_lock($1)', [HOLD]);
      try {
        const work = failureOf(
          recordFile(userId, rootId, ended, async (w) => {
            await w.tx.execute(sql`select pg_advisory_xact_lock(${sql.raw(String(HOLD))})`);
          }),
        );
        await terminateBackendWaitingIn(`%pg_advisory_xact_lock(${HOLD})%`);
        const failure = await work;
        expect(failure).not.toBeInstanceOf(CommitOutcomeUnknownError);
        expect(isDatabaseUnavailable(failure)).toBe(true);
      } finally {
        await admin.query('select pg_advisory_unlock($1)', [HOLD]);
      }
      expect(await fileNamed(userId, ended)).toBe(0);
    });

    it('keeps the blob of an upload whose COMMIT went unanswered, and the file is there once it is back', async () => {
      const { api, userId } = await owner();
      const before = await countBlobs(server);
      // The listing is cached first: the unanswered commit must not leave it stale.
      expect((await api.expect(200, 'GET', '/folders/root')).children).toEqual([]);
      const name = `kept-${randomBytes(4).toString('hex')}.bin`;
      const content = randomBytes(64 * 1024);
      const cut = cutter.arm(name, 'at-commit-answer');
      // Renaming on a taken name, the name is first sent inside the unit of work.
      const response = await api.upload('root', name, content, '?onConflict=rename');
      await cut;
      expect(response.status).toBe(503);
      expect((await response.json()).error.code).toBe('database_unavailable');
      expect(await fileNamed(userId, name)).toBe(1);
      expect(await countBlobs(server)).toBe(before + 1);
      const listing = await api.expect(200, 'GET', '/folders/root');
      const file = listing.children.find((child: { name: string }) => child.name === name);
      expect(file, JSON.stringify(listing.children)).toBeDefined();
      const body = Buffer.from(await (await api.request('GET', `/files/${file.id}/content`)).arrayBuffer());
      expect(body.equals(content)).toBe(true);
    });

    it('deletes the blob of an upload cut off before its COMMIT', async () => {
      const { api, userId } = await owner();
      const before = await countBlobs(server);
      const name = `gone-${randomBytes(4).toString('hex')}.bin`;
      const cut = cutter.arm(name, 'at-marker');
      const response = await api.upload('root', name, randomBytes(64 * 1024), '?onConflict=rename');
      await cut;
      expect(response.status).toBe(503);
      expect((await response.json()).error.code).toBe('database_unavailable');
      expect(await fileNamed(userId, name)).toBe(0);
      expect(await countBlobs(server)).toBe(before);
      expect((await api.expect(200, 'GET', '/me')).usedBytes).toBe(0);
    });
  },
);

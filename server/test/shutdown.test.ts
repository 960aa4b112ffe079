import http from 'node:http';
import { PassThrough } from 'node:stream';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, uniqueName } from './client.ts';
import { driverSets, startServer, type TestServer } from './harness.ts';

async function until(condition: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// Part of the `services` driver set (TEST_DRIVERS=embedded,services), which CI runs: the request is
// held up on a lock that another PostgreSQL session holds.
describe.runIf(driverSets().includes('services'))('closing the server (PostgreSQL + Redis + S3)', () => {
  let server: TestServer;
  const logLines: string[] = [];
  let locker: pg.Client;

  beforeAll(async () => {
    const logs = new PassThrough();
    logs.on('data', (chunk: Buffer) => logLines.push(...chunk.toString().split('\n').filter(Boolean)));
    server = await startServer('services', { logTo: logs });
    locker = new pg.Client({ connectionString: server.deps.config.databaseUrl });
    await locker.connect();
  });
  afterAll(async () => {
    await locker.end();
    await server.close();
  });

  it('waits for a handler whose client hung up before it closes the database', async () => {
    const { api, token } = await signUp(server, uniqueName());
    const moved = await api.expect(201, 'POST', '/folders', { json: { parentId: 'root', name: 'Moved' } });
    const target = await api.expect(201, 'POST', '/folders', { json: { parentId: 'root', name: 'Target' } });
    const events: string[] = [];
    const { database } = server.deps;
    const closeDatabase = database.close;
    database.close = async () => {
      events.push('database closed');
      await closeDatabase();
    };

    // A rename and move that needs several queries, the first of them held up by a lock.
    await locker.query('begin');
    await locker.query('lock table nodes in access exclusive mode');
    let received: http.IncomingMessage | undefined;
    server.app.server.once('request', (incoming: http.IncomingMessage) => {
      received = incoming;
    });
    const body = JSON.stringify({ name: 'Renamed', parentId: target.id });
    const request = http.request(`${server.origin}/api/v1/nodes/${moved.id}`, {
      method: 'PATCH',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      },
    });
    request.on('error', () => {});
    request.end(body);
    await until(async () => {
      const { rows } = await locker.query(
        `select count(*)::int as waiting from pg_stat_activity
         where datname = current_database() and wait_event_type = 'Lock'`,
      );
      return rows[0].waiting > 0;
    });
    // The client hangs up; once the server has seen that, it has no connection of this request to wait for.
    request.destroy();
    await until(async () => received?.socket.destroyed === true);

    const closing = server.app.close();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(events).toEqual([]);
    await locker.query('rollback');
    await closing;
    events.push('closed');

    expect(events).toEqual(['database closed', 'closed']);
    // The handler ran to its end on an open pool: the move is in the database.
    const { rows } = await locker.query('select name, parent_id from nodes where id = $1', [moved.id]);
    expect(rows).toEqual([{ name: 'Renamed', parent_id: target.id }]);
    const problems = logLines.filter((line) => JSON.parse(line).level >= 40);
    expect(problems).toEqual([]);
  });
});

import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countBlobs, signUp, uniqueName } from './client.ts';
import { driverSets, startServer, type TestServer } from './harness.ts';
import { startTcpProxy, type TcpProxy, throughProxy } from './services.ts';

// Part of the `services` driver set (TEST_DRIVERS=embedded,services), which CI runs.
describe.runIf(driverSets().includes('services'))('PostgreSQL going away (PostgreSQL + Redis + S3)', () => {
  let server: TestServer;
  let proxy: TcpProxy;

  beforeAll(async () => {
    proxy = await startTcpProxy('127.0.0.1', 5432);
    server = await startServer('services', {
      routeDatabase: throughProxy(proxy.port),
    });
  });
  afterAll(async () => {
    proxy.restore();
    await server.close();
    await proxy.close();
  });

  it('fails an upload cleanly (503, no blob) when the database goes away mid-body, and recovers without a restart', async () => {
    const { api, token } = await signUp(server, uniqueName());
    const before = await countBlobs(server);
    const content = randomBytes(4 * 1024 * 1024);
    const upload = http.request(`${server.origin}/api/v1/folders/root/files/mid-outage.bin`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-length': content.length },
    });
    const responded = once(upload, 'response');
    upload.write(content.subarray(0, 1024 * 1024));
    await new Promise((resolve) => setTimeout(resolve, 200));
    proxy.cut();
    upload.end(content.subarray(1024 * 1024));
    const [response] = (await responded) as [http.IncomingMessage];
    let text = '';
    for await (const chunk of response) text += chunk;
    expect(response.statusCode, text).toBe(503);
    expect(JSON.parse(text).error.code).toBe('database_unavailable');
    expect(await countBlobs(server)).toBe(before);

    const listing = await api.request('GET', '/folders/root');
    expect(listing.status).toBe(503);
    expect((await listing.json()).error.code).toBe('database_unavailable');

    proxy.restore();
    expect((await api.expect(200, 'GET', '/folders/root')).children).toEqual([]);
    const retried = await api.upload('root', 'mid-outage.bin', content);
    expect(retried.status).toBe(201);
    expect(await countBlobs(server)).toBe(before + 1);
  });

  it('stays up when the connection of a transaction in flight breaks, and serves again after', async () => {
    const { api } = await signUp(server, uniqueName());
    // Transactions and uploads under way, each on a connection checked out of the pool.
    const inFlight = [
      ...Array.from({ length: 3 }, () =>
        server.deps.database.db.transaction(async (tx) => {
          await tx.execute(sql`select pg_sleep(2)`);
        }),
      ),
      ...Array.from({ length: 6 }, (_, i) => api.upload('root', `during-${i}.bin`, randomBytes(256 * 1024))),
    ];
    await new Promise((resolve) => setTimeout(resolve, 300));
    proxy.cut();
    const settled = await Promise.allSettled(inFlight);
    for (const outcome of settled) {
      if (outcome.status === 'fulfilled' && outcome.value instanceof Response)
        expect([201, 503]).toContain(outcome.value.status);
    }
    expect(settled.slice(0, 3).every((outcome) => outcome.status === 'rejected')).toBe(true);
    proxy.restore();
    expect((await api.expect(200, 'GET', '/me')).username).toBeDefined();
    expect((await api.upload('root', 'after.bin', randomBytes(1000))).status).toBe(201);
  });
});

import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Cluster, startCluster } from '../../deploy/start-cluster.ts';
import { startPrivateRedis } from '../../tools/redis.ts';
import { Api, signUpForCookie, uniqueName, writeWebClient } from './client.ts';
import { driverSets } from './harness.ts';
import { createPostgresDatabase, startS3, startTcpProxy, tempDir } from './services.ts';
import { partOf, sendPart, startUpload } from './uploads-client.ts';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The scaled-out topology as `npm run cluster` starts it (deploy/start-cluster.ts): nginx on the reviewed
 * deploy/nginx.conf in front of two API processes, on the machine's PostgreSQL (through a proxy the
 * test can cut), a Redis of the test's own (so it can be stopped), and a bucket on the run's RADOS
 * Gateway.
 */
// Part of the `services` driver set (TEST_DRIVERS=embedded,services), which CI runs.
describe.runIf(driverSets().includes('services'))('the cluster: nginx in front of two API instances', () => {
  let cluster: Cluster;
  let api: Api;
  let redis: Awaited<ReturnType<typeof startPrivateRedis>>;
  let redisClient: Redis;
  const cleanups: (() => Promise<void>)[] = [];
  const logLines: string[] = [];
  /** Every upload that completed, to prove at the end that each one downloads byte-identical. */
  const uploaded: { id: string; sha256: string; size: number }[] = [];
  let cutDatabase: () => void;
  let restoreDatabase: () => void;

  const direct = (index: number) => new Api(cluster.instances[index]?.origin ?? '', api.token);
  const instanceOf = async (origin: string) =>
    ((await new Api(origin).expect(200, 'GET', '/health')) as { instance: string }).instance;

  beforeAll(async () => {
    const postgres = await createPostgresDatabase();
    cleanups.push(postgres.drop);
    const proxy = await startTcpProxy('127.0.0.1', Number(new URL(postgres.url).port || 5432));
    cleanups.push(proxy.close);
    cutDatabase = () => proxy.cut();
    restoreDatabase = () => proxy.restore();
    const databaseUrl = new URL(postgres.url);
    databaseUrl.port = String(proxy.port);
    redis = await startPrivateRedis();
    cleanups.push(redis.stop);
    const s3 = await startS3();
    cleanups.push(s3.close);
    const dir = await tempDir('fileshare-cluster-');
    cleanups.push(dir.remove);
    const webDir = path.join(dir.path, 'web');
    await writeWebClient(webDir, 'console.log(1)');

    cluster = await startCluster({
      port: 0,
      instances: 2,
      dir: dir.path,
      databaseUrl: databaseUrl.toString(),
      redisUrl: redis.url,
      s3: s3.config,
      webDir,
      nginxWorkers: 1,
      env: { LOG_LEVEL: 'warn', GC_INTERVAL_SECONDS: '0', REGISTRATION: 'open' },
      log: (source, line) => logLines.push(`[${source}] ${line}`),
    });
    cleanups.push(cluster.stop);
    redisClient = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    redisClient.on('error', () => {});
    cleanups.push(async () => redisClient.disconnect());

    api = new Api(cluster.url);
    api.token = (
      await api.expect(201, 'POST', '/auth/register', {
        json: { username: uniqueName('cluster'), password: 'through nginx' },
      })
    ).token;
  }, 180_000);

  afterAll(async () => {
    restoreDatabase?.();
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  }, 60_000);

  it('spreads requests over the instances and sets the forwarded and security headers', async () => {
    const seen = new Map<string, number>();
    for (let i = 0; i < 20; i++) {
      const response = await api.request('GET', '/health');
      const { instance } = (await response.json()) as { instance: string };
      seen.set(instance, (seen.get(instance) ?? 0) + 1);
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/);
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    }
    const expected = await Promise.all(cluster.instances.map((instance) => instanceOf(instance.origin)));
    expect([...seen.keys()].sort()).toEqual([...expected].sort());
    for (const count of seen.values()) expect(count).toBe(10);
  });

  it('serves the web client at / with client routes falling back to index.html, and the API under /api/', async () => {
    for (const route of ['/', '/folders/1234']) {
      const page = await fetch(`${cluster.url}${route}`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>Fileshare</title>');
      expect(page.headers.get('cache-control')).toBe('no-cache');
      expect(page.headers.get('x-frame-options')).toBe('DENY');
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    }
    // The API's own policies pass through alone, not joined by nginx's.
    const docs = await fetch(`${cluster.url}/api/docs/`);
    expect(docs.status).toBe(200);
    expect(docs.headers.get('content-security-policy')).toMatch(
      /^default-src 'self'; script-src 'self'; script-src-attr 'none';[^,]*$/,
    );
    expect(docs.headers.get('x-content-type-options')).toBe('nosniff');
    const asset = await fetch(`${cluster.url}/assets/app-1234.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toMatch(/max-age=\d{6,}/);
    expect((await fetch(`${cluster.url}/assets/missing.js`)).status).toBe(404);
    const unknown = await api.request('GET', '/no-such-route');
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.code).toBeDefined();
  });

  it('forwards a percent-encoded API path to the same route, CSRF check included', async () => {
    const { cookie } = await signUpForCookie(cluster.url, uniqueName('cookie'));
    const post = (origin: string) =>
      fetch(`${cluster.url}/%61pi/v1/folders`, {
        method: 'POST',
        headers: { cookie, origin, 'content-type': 'application/json' },
        body: JSON.stringify({ parentId: 'root', name: 'encoded' }),
      });
    const foreign = await post('https://evil.example');
    expect(foreign.status).toBe(403);
    expect((await foreign.json()).error.code).toBe('cross_origin_request');
    expect((await post(cluster.url)).status).toBe(201);
  });

  it('streams a large simple upload through nginx', async () => {
    const content = randomBytes(24 * 1024 * 1024);
    const response = await api.upload('root', 'big.bin', new Uint8Array(content));
    expect(response.status, await response.clone().text()).toBe(201);
    const node = await response.json();
    expect(node.sha256).toBe(sha256(content));
    uploaded.push({ id: node.id, sha256: sha256(content), size: content.length });
  });

  it('shares through nginx: a link downloads, a drop takes a file, WebDAV lists and takes one', async () => {
    const content = randomBytes(3 * 1024 * 1024);
    const file = await (await api.upload('root', 'shared.bin', new Uint8Array(content))).json();
    const link = await api.expect(201, 'POST', '/shares', { json: { nodeId: file.id, kind: 'link' } });
    expect(link.url).toBe(`${cluster.url}/s/${link.token}`);
    const page = await fetch(link.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>Fileshare</title>');
    const download = await fetch(`${cluster.url}/api/v1/public/${link.token}/content`);
    expect(download.status).toBe(200);
    expect(sha256(new Uint8Array(await download.arrayBuffer()))).toBe(sha256(content));

    const inbox = await api.expect(201, 'POST', '/folders', { json: { parentId: 'root', name: 'Inbox' } });
    const drop = await api.expect(201, 'POST', '/shares', { json: { nodeId: inbox.id, kind: 'drop' } });
    const dropped = await fetch(`${cluster.url}/api/v1/public/${drop.token}/files/from-anyone.txt`, {
      method: 'PUT',
      body: 'hello',
    });
    expect(dropped.status).toBe(201);

    const { password } = await api.expect(201, 'POST', '/me/app-passwords', {
      json: { name: 'cluster', scope: 'read-write' },
    });
    const user = await api.expect(200, 'GET', '/me');
    const basic = `Basic ${Buffer.from(`${user.username}:${password}`).toString('base64')}`;
    const put = await fetch(`${cluster.url}/dav/Inbox/by-dav.txt`, {
      method: 'PUT',
      headers: { authorization: basic },
      body: 'over webdav',
    });
    expect(put.status).toBe(201);
    const listing = await fetch(`${cluster.url}/dav/Inbox/`, {
      method: 'PROPFIND',
      headers: { authorization: basic, depth: '1' },
    });
    expect(listing.status).toBe(207);
    const body = await listing.text();
    expect(body).toContain('from-anyone.txt');
    expect(body).toContain('by-dav.txt');
  });

  it('completes through instance B an upload session started through instance A', async () => {
    const [a, b] = [direct(0), direct(1)];
    const content = randomBytes(9 * 1024 * 1024 + 12_345);
    const session = await startUpload(a, {
      name: 'a-to-b.bin',
      size: content.length,
      sha256: sha256(content),
    });
    expect(session.parts).toHaveLength(2);
    expect((await sendPart(a, session, 1, partOf(session, content, 1))).status).toBe(200);
    const resumed = await b.expect(200, 'GET', `/uploads/${session.id}`);
    expect(resumed.uploadedParts).toEqual([{ number: 1, size: session.partSize }]);
    expect((await sendPart(b, resumed, 2, partOf(resumed, content, 2))).status).toBe(200);
    const node = await b.expect(201, 'POST', `/uploads/${session.id}/complete`);
    expect(node.size).toBe(content.length);
    expect((await a.expect(200, 'GET', `/files/${node.id}`)).name).toBe('a-to-b.bin');
    uploaded.push({ id: node.id, sha256: sha256(content), size: content.length });
  });

  it('loses no read when an instance is killed (kill -9) in the middle of a series', async () => {
    const files: string[] = [];
    for (let i = 0; i < 5; i++) {
      const content = randomBytes(1000 + i);
      const node = await (await api.upload('root', `small-${i}.bin`, new Uint8Array(content))).json();
      uploaded.push({ id: node.id, sha256: sha256(content), size: content.length });
      files.push(node.id);
    }
    const victim = cluster.instances[1];
    if (victim === undefined) throw new Error('no second instance');
    const statuses: number[] = [];
    let sent = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (sent < 300) {
          sent += 1;
          if (sent === 100) victim.child.kill('SIGKILL');
          const path = sent % 3 === 0 ? '/folders/root' : `/files/${files[sent % files.length]}`;
          const response = await api.request('GET', path);
          await response.arrayBuffer();
          statuses.push(response.status);
        }
      }),
    );
    await victim.exited;
    expect(statuses.filter((status) => status !== 200)).toEqual([]);
    expect(statuses).toHaveLength(300);
    // After the kill, every answer comes from the survivor.
    const survivor = await instanceOf(cluster.instances[0]?.origin ?? '');
    for (let i = 0; i < 4; i++) expect((await api.expect(200, 'GET', '/health')).instance).toBe(survivor);
    await cluster.restartInstance(1);
  }, 90_000);

  it('shows a rename, a move and a delete made through one instance at once on every other', async () => {
    const content = randomBytes(2048);
    const node = await (await api.upload('root', 'before.txt', new Uint8Array(content))).json();
    uploaded.push({ id: node.id, sha256: sha256(content), size: content.length });
    const folder = await api.expect(201, 'POST', '/folders', { json: { parentId: 'root', name: 'Moved' } });
    const [a, b] = [direct(0), direct(1)];
    // Both instances read (and so cache) the node before it changes.
    for (const instance of [a, b]) {
      expect((await instance.expect(200, 'GET', `/files/${node.id}`)).name).toBe('before.txt');
      expect((await instance.expect(200, 'GET', `/folders/${folder.id}`)).children).toEqual([]);
    }
    expect(await redisClient.exists(`fileshare:node:${node.id}`)).toBe(1);
    expect(await redisClient.exists(`fileshare:children-version:${folder.id}`)).toBe(1);

    await a.expect(200, 'PATCH', `/nodes/${node.id}`, { json: { name: 'after.txt' } });
    expect((await b.expect(200, 'GET', `/files/${node.id}`)).name).toBe('after.txt');
    await b.expect(200, 'PATCH', `/nodes/${node.id}`, { json: { parentId: folder.id } });
    expect((await a.expect(200, 'GET', `/files/${node.id}`)).parentId).toBe(folder.id);
    for (const instance of [a, b]) {
      const listing = await instance.expect(200, 'GET', `/folders/${folder.id}`);
      expect(listing.children.map((child: { name: string }) => child.name)).toEqual(['after.txt']);
    }

    await a.expect(204, 'DELETE', `/nodes/${node.id}`);
    expect((await b.expect(200, 'GET', `/files/${node.id}`)).trashedAt).not.toBeNull();
    expect((await b.expect(200, 'GET', `/folders/${folder.id}`)).children).toEqual([]);
    await b.expect(200, 'POST', `/nodes/${node.id}/restore`);
    expect((await a.expect(200, 'GET', `/files/${node.id}`)).name).toBe('after.txt');
  });

  it('keeps answering while Redis is stopped, and caches again when it is back', async () => {
    const content = randomBytes(4096);
    const node = await (await api.upload('root', 'redis.txt', new Uint8Array(content))).json();
    uploaded.push({ id: node.id, sha256: sha256(content), size: content.length });
    await redis.stop();
    for (let i = 0; i < 10; i++) {
      await api.expect(200, 'GET', `/files/${node.id}`);
      await api.expect(200, 'GET', '/me');
      await api.expect(200, 'GET', '/folders/root');
    }
    await direct(0).expect(200, 'PATCH', `/nodes/${node.id}`, {
      json: { name: 'renamed-without-redis.txt' },
    });
    expect((await direct(1).expect(200, 'GET', `/files/${node.id}`)).name).toBe('renamed-without-redis.txt');

    await redis.start();
    await redisClient.connect().catch(() => {});
    // The instances reconnect on their own; the cache fills again as they read.
    const deadline = Date.now() + 20_000;
    let cached = 0;
    while (Date.now() < deadline && cached === 0) {
      await sleep(200);
      for (const index of [0, 1]) await direct(index).expect(200, 'GET', `/files/${node.id}`);
      cached = await redisClient.exists(`fileshare:node:${node.id}`).catch(() => 0);
    }
    expect(cached).toBe(1);
    await direct(1).expect(200, 'PATCH', `/nodes/${node.id}`, { json: { name: 'after-redis.txt' } });
    for (const index of [0, 1])
      expect((await direct(index).expect(200, 'GET', `/files/${node.id}`)).name).toBe('after-redis.txt');
  }, 60_000);

  it('answers 503 while PostgreSQL is unreachable and recovers without a restart', async () => {
    const pids = cluster.instances.map((instance) => instance.child.pid);
    cutDatabase();
    try {
      const create = await api.request('POST', '/folders', {
        json: { parentId: 'root', name: 'During outage' },
      });
      // The instance's own answer, or nginx's (same shape) once it has left out every instance
      // for answering 503.
      const unavailable = ['database_unavailable', 'service_unavailable'];
      expect(create.status).toBe(503);
      expect(unavailable).toContain((await create.json()).error.code);
      for (let i = 0; i < 6; i++) {
        const listing = await api.request('GET', '/folders/root');
        expect(listing.status).toBe(503);
        expect(unavailable).toContain((await listing.json()).error.code);
      }
    } finally {
      restoreDatabase();
    }
    const deadline = Date.now() + 20_000;
    let status = 0;
    while (Date.now() < deadline && status !== 201) {
      const response = await api.request('POST', '/folders', {
        json: { parentId: 'root', name: 'After outage' },
      });
      status = response.status;
      if (status !== 201) await sleep(250);
    }
    expect(status).toBe(201);
    for (let i = 0; i < 4; i++) await api.expect(200, 'GET', '/folders/root');
    expect(cluster.instances.map((instance) => instance.child.pid)).toEqual(pids);
  }, 60_000);

  it('downloads every completed upload byte-identical, through nginx and from each instance', async () => {
    expect(uploaded.length).toBeGreaterThanOrEqual(8);
    for (const file of uploaded) {
      for (const client of [api, direct(0), direct(1)]) {
        const response = await client.request('GET', `/files/${file.id}/content`);
        expect(response.status).toBe(200);
        const body = new Uint8Array(await response.arrayBuffer());
        expect(body.length).toBe(file.size);
        expect(sha256(body)).toBe(file.sha256);
        expect(response.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
      }
    }
  }, 60_000);
});

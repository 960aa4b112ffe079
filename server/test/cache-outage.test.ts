import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPrivateRedis } from '../../tools/redis.ts';
import { Api, signUp, uniqueName } from './client.ts';
import { driverSets, startServer, type TestServer } from './harness.ts';

async function until(condition: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// Part of the `services` driver set (TEST_DRIVERS=embedded,services), which CI runs.
describe.runIf(driverSets().includes('services'))(
  'Redis going away mid-run (PostgreSQL + Redis + S3)',
  () => {
    let server: TestServer;
    let redis: Awaited<ReturnType<typeof startPrivateRedis>>;
    const logLines: string[] = [];

    beforeAll(async () => {
      redis = await startPrivateRedis();
      const logs = new PassThrough();
      logs.on('data', (chunk: Buffer) => logLines.push(...chunk.toString().split('\n').filter(Boolean)));
      server = await startServer('services', { redisUrl: redis.url, logTo: logs });
    });
    afterAll(async () => {
      await server.close();
      await redis.stop();
    });

    it('keeps answering from PostgreSQL, says so once in the log, and uses the cache again when Redis is back', async () => {
      const { api, user } = await signUp(server, uniqueName());
      const folder = await api.expect(201, 'POST', '/folders', {
        json: { parentId: 'root', name: 'Before' },
      });
      await api.expect(200, 'GET', `/nodes/${folder.id}`);
      expect(await server.deps.cache.get(`user:${user.id}`)).toBeDefined();

      await redis.stop();
      for (let i = 0; i < 10; i++) {
        await api.expect(200, 'GET', '/me');
        await api.expect(200, 'GET', `/nodes/${folder.id}`);
      }
      const renamed = await api.expect(200, 'PATCH', `/nodes/${folder.id}`, { json: { name: 'During' } });
      expect(renamed.name).toBe('During');
      expect((await api.expect(200, 'GET', `/nodes/${folder.id}`)).name).toBe('During');
      await api.expect(201, 'PUT', '/folders/root/files/during.txt', {
        body: 'written while Redis was down',
      });
      const login = await new Api(server.origin).request('POST', '/auth/login', {
        json: { username: user.username, password: 'correct horse battery' },
      });
      expect(login.status).toBe(200);
      expect((await new Api(server.origin).request('GET', '/ready')).status).toBe(503);

      const outageLines = logLines.filter((line) => line.includes('cache: Redis is unreachable'));
      expect(outageLines).toHaveLength(1);

      await redis.start();
      await until(async () => (await new Api(server.origin).request('GET', '/ready')).status === 200);
      expect((await api.expect(200, 'GET', `/nodes/${folder.id}`)).name).toBe('During');
      await until(async () => (await server.deps.cache.get(`node:${folder.id}`)) !== undefined);
      expect(logLines.some((line) => line.includes('Redis is reachable'))).toBe(true);
    });
  },
);

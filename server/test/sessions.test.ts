import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Api, signUp, uniqueName } from './client.ts';
import { driverSets, startServer, type TestServer } from './harness.ts';

describe.each(driverSets())('a session revoked while requests use it (%s)', (set) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(set);
  });
  afterAll(() => server.close());

  it('is never put back into the cache by a request that read it just before', async () => {
    const { api } = await signUp(server, uniqueName(), 'the right password');
    const username = (await api.expect(200, 'GET', '/me')).username;
    for (let round = 0; round < 10; round++) {
      const { token } = await new Api(server.origin).expect(200, 'POST', '/auth/login', {
        json: { username, password: 'the right password' },
      });
      const session = new Api(server.origin, token);
      await session.expect(200, 'GET', '/me');
      // Past the interval after which a request writes the session's last use back.
      server.clock.advance(61_000);
      const readers = Array.from({ length: 12 }, () => session.request('GET', '/me').then((r) => r.status));
      const revoked = session.request('POST', '/auth/logout').then((r) => r.status);
      const statuses = await Promise.all([...readers, revoked]);
      expect(statuses.every((status) => status === 200 || status === 204 || status === 401)).toBe(true);
      for (let check = 0; check < 3; check++) expect((await session.request('GET', '/me')).status).toBe(401);
    }
  });
});

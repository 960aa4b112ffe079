import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGarbageCollector } from '../src/features/gc/garbage-collector.ts';
import { GRANT_TTL_MS } from '../src/features/shares/shares.grants.ts';
import { createServices } from '../src/services.ts';
import { Api, signUp, uniqueName } from './client.ts';
import { driverSets, startServer, type TestServer } from './harness.ts';

describe.each(driverSets())('links with a password (%s)', (set) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(set, {
      env: { SHARE_PASSWORD_LIMIT_PER_ADDRESS: '3', SHARE_PASSWORD_LIMIT_PER_LINK: '5', TRUST_PROXY: 'true' },
    });
  });
  afterAll(() => server.close());

  async function sharedFile(password?: string) {
    const { api } = await signUp(server, uniqueName());
    const file = await (await api.upload('root', 'plan.txt', 'the plan')).json();
    const share = await api.expect(201, 'POST', '/shares', {
      json: { nodeId: file.id, kind: 'link', password },
    });
    return { api, file, share };
  }

  /** Someone with no account, from this address. */
  const visitor = (address = '127.0.0.1') => {
    const api = new Api(server.origin);
    return {
      request: (
        method: string,
        path: string,
        options: { json?: unknown; headers?: Record<string, string> } = {},
      ) =>
        api.request(method, path, {
          ...options,
          headers: { 'x-forwarded-for': address, ...options.headers },
        }),
    };
  };

  it('says what is shared and that a password is needed; unlocking answers a grant and a cookie for that link only', async () => {
    const { share } = await sharedFile('open sesame');
    const anyone = visitor();
    const info = await (await anyone.request('GET', `/public/${share.token}`)).json();
    expect(info).toMatchObject({
      kind: 'link',
      node: { name: 'plan.txt', kind: 'file', size: 8 },
      passwordRequired: true,
      unlocked: false,
      drop: null,
    });
    const wrong = await anyone.request('POST', `/public/${share.token}/unlock`, {
      json: { password: 'nope' },
    });
    expect(wrong.status).toBe(401);
    expect((await wrong.json()).error.code).toBe('wrong_password');
    const right = await anyone.request('POST', `/public/${share.token}/unlock`, {
      json: { password: 'open sesame' },
    });
    expect(right.status).toBe(200);
    const { access } = await right.json();
    expect(access).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const cookie = right.headers.get('set-cookie') ?? '';
    expect(cookie).toContain(`fileshare_share=${access}`);
    expect(cookie).toContain(`Path=/api/v1/public/${share.token}`);
    expect(cookie).toContain('HttpOnly');
    const unlocked = await (
      await anyone.request('GET', `/public/${share.token}`, { headers: { 'x-share-access': access } })
    ).json();
    expect(unlocked.unlocked).toBe(true);

    // The grant is this link's only.
    const other = await sharedFile('open sesame');
    const elsewhere = await (
      await anyone.request('GET', `/public/${other.share.token}`, { headers: { 'x-share-access': access } })
    ).json();
    expect(elsewhere.unlocked).toBe(false);
  });

  it('ends every grant when the password changes', async () => {
    const { api, share } = await sharedFile('first');
    const anyone = visitor();
    const { access } = await (
      await anyone.request('POST', `/public/${share.token}/unlock`, { json: { password: 'first' } })
    ).json();
    await api.expect(200, 'PATCH', `/shares/${share.id}`, { json: { password: 'second' } });
    const after = await (
      await anyone.request('GET', `/public/${share.token}`, { headers: { 'x-share-access': access } })
    ).json();
    expect(after.unlocked).toBe(false);
  });

  it('holds a guesser to the address’s attempts while those who know the password still get in', async () => {
    const { share } = await sharedFile('open sesame');
    const unlock = (address: string, password: string) =>
      visitor(address).request('POST', `/public/${share.token}/unlock`, { json: { password } });
    // A friend unlocks first, from their own address.
    expect((await unlock('10.0.0.9', 'open sesame')).status).toBe(200);
    // A guesser from one address: three wrong attempts, then refused before the password is even checked.
    const guesses = await Promise.all([1, 2, 3, 4, 5].map((n) => unlock('10.0.0.1', `guess ${n}`)));
    expect(guesses.map((response) => response.status).sort()).toEqual([401, 401, 401, 429, 429]);
    expect((await unlock('10.0.0.1', 'open sesame')).status).toBe(429);
    // Guessers from many addresses use up the link's ceiling of five wrong attempts...
    for (const address of ['10.0.1.1', '10.0.1.2']) await unlock(address, 'wrong');
    expect((await unlock('10.0.2.1', 'open sesame')).status).toBe(429);
    // ...but the friend's address, which unlocked the link before, is not held to it.
    expect((await unlock('10.0.0.9', 'open sesame')).status).toBe(200);
  });

  it('lets a grant run out after a day, and the garbage collector deletes it', async () => {
    const { share } = await sharedFile('open sesame');
    const anyone = visitor();
    const { access } = await (
      await anyone.request('POST', `/public/${share.token}/unlock`, { json: { password: 'open sesame' } })
    ).json();
    const gc = createGarbageCollector(server.deps, createServices(server.deps));
    server.clock.advance(GRANT_TTL_MS + 1000);
    const info = await (
      await anyone.request('GET', `/public/${share.token}`, { headers: { 'x-share-access': access } })
    ).json();
    expect(info.unlocked).toBe(false);
    const dry = await gc.run({ dryRun: true });
    expect(dry.expiredGrants).toBeGreaterThanOrEqual(1);
    expect((await gc.run()).expiredGrants).toBe(dry.expiredGrants);
    expect((await gc.run({ dryRun: true })).expiredGrants).toBe(0);
  });

  it('answers a revoked or unknown link alike', async () => {
    const { api, share } = await sharedFile();
    const anyone = visitor();
    expect((await anyone.request('GET', `/public/${share.token}`)).status).toBe(200);
    await api.expect(204, 'DELETE', `/shares/${share.id}`);
    const revoked = await anyone.request('GET', `/public/${share.token}`);
    const unknown = await anyone.request('GET', '/public/no-such-token');
    expect(revoked.status).toBe(404);
    expect(await revoked.text()).toBe(await unknown.text());
  });
});

import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Api, signUp, uniqueName } from './client.ts';
import { driverSets, startServer, type TestServer } from './harness.ts';
import { uploadAll } from './uploads-client.ts';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
const ALLOWANCE = 3 * MIB;

describe.each(driverSets())('what a gzip upload may make the server inflate (%s)', (set) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(set, { env: { INFLATE_LIMIT_BYTES_PER_HOUR: String(ALLOWANCE) } });
  });
  afterAll(() => server.close());

  const gzipSession = (api: Api, name: string, size: number, storedSize: number) =>
    api.request('POST', '/uploads', {
      json: { parentId: 'root', name, size, storedSize, encoding: 'gzip' },
    });

  async function refusal(response: Response) {
    const body = (await response.json()) as { error?: { code?: string } };
    return [response.status, body.error?.code];
  }

  it('refuses a declared size no gzip stream can inflate to from its stored size, reserving nothing', async () => {
    const { api } = await signUp(server, uniqueName());
    for (const [size, storedSize] of [
      // Declared as 1 GiB, stored as 1 MB.
      [GIB, 1_000_000],
      [1033, 1],
      [5, 0],
    ] as const) {
      expect(
        await refusal(await gzipSession(api, 'bomb.txt', size, storedSize)),
        `${size}/${storedSize}`,
      ).toEqual([400, 'implausible_compression']);
    }
    expect(await refusal(await gzipSession(api, 'huge.txt', 17 * GIB, GIB))).toEqual([
      413,
      'too_large_to_inflate',
    ]);
    const me = await api.expect(200, 'GET', '/me');
    expect([me.reservedBytes, (await api.expect(200, 'GET', '/uploads')).uploads.length]).toEqual([0, 0]);
  });

  it('counts what each user’s gzip uploads will inflate against an hourly allowance', async () => {
    const { api } = await signUp(server, uniqueName());
    expect((await gzipSession(api, 'one.txt', 2 * MIB, 10_000)).status).toBe(201);
    const over = await gzipSession(api, 'two.txt', 2 * MIB, 10_000);
    expect(await refusal(over)).toEqual([429, 'inflate_limit_reached']);
    const retryAfter = Number(over.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    // A refused request costs nothing: the rest of the allowance is still there.
    expect((await gzipSession(api, 'three.txt', MIB, 10_000)).status).toBe(201);
    expect((await gzipSession(api, 'four.txt', 1, 1)).status).toBe(429);
    // Uploads stored as they are inflate nothing, and other users have allowances of their own.
    await api.expect(201, 'POST', '/uploads', {
      json: { parentId: 'root', name: 'plain.bin', size: 10 * MIB },
    });
    const other = await signUp(server, uniqueName());
    expect((await gzipSession(other.api, 'one.txt', 2 * MIB, 10_000)).status).toBe(201);
  });

  it('still takes a real gzip upload within the limits, at DEFLATE’s best ratio', async () => {
    const { api } = await signUp(server, uniqueName());
    const original = Buffer.alloc(3 * MIB);
    const compressed = gzipSync(original, { level: 9 });
    expect(original.length / compressed.length).toBeGreaterThan(1000);
    const response = await gzipSession(api, 'zeros.txt', original.length, compressed.length);
    expect(response.status).toBe(201);
    const session = await response.json();
    await uploadAll(api, session, compressed);
    const node = await api.expect(201, 'POST', `/uploads/${session.id}/complete`);
    expect([node.size, node.storedSize]).toEqual([original.length, compressed.length]);
  });
});

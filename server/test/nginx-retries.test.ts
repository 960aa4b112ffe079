import type { ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localNginxConfig } from '../../deploy/nginx-config.ts';
import { findNginx, spawnNginx } from '../../deploy/nginx-process.ts';
import { freePort, stopProcess, waitUntil } from '../../tools/processes.ts';
import { Api, signUp, uniqueName } from './client.ts';
import { driverSets, startServer, type TestServer } from './harness.ts';
import { tempDir } from './services.ts';

/**
 * An instance that does the work and then is lost before its answer gets back (it died, or the
 * network broke): a TCP proxy in front of it that passes requests on, counts them, and, while
 * `losing`, cuts the connection when the answer starts.
 */
async function startAnswerLosingProxy(targetPort: number) {
  const seen: string[] = [];
  const state = { losing: false };
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    const cut = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', cut);
    upstream.on('error', cut);
    client.on('data', (chunk: Buffer) => {
      for (const [line] of chunk.toString('latin1').matchAll(/^[A-Z]+ \/api\/\S+/gm)) seen.push(line);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (state.losing) cut();
      else client.write(chunk);
    });
    client.on('end', () => upstream.end());
    upstream.on('end', () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(state, {
    port: (server.address() as net.AddressInfo).port,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

/**
 * deploy/nginx.conf in front of two instances whose answers can be lost after they did the work:
 * nginx may send a request to the next instance only when the first can't have received it.
 */
// Part of the `services` driver set (TEST_DRIVERS=embedded,services), which CI runs.
describe.runIf(driverSets().includes('services'))('nginx passing requests to the next instance', () => {
  let first: TestServer;
  let second: TestServer;
  let proxies: Awaited<ReturnType<typeof startAnswerLosingProxy>>[];
  let nginx: ChildProcess;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let url: string;

  beforeAll(async () => {
    first = await startServer('services');
    second = await startServer('services', { peerOf: first });
    proxies = await Promise.all(
      [first, second].map((server) => startAnswerLosingProxy(Number(new URL(server.origin).port))),
    );
    dir = await tempDir('fileshare-nginx-retries-');
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const config = localNginxConfig({
      dir: path.join(dir.path, 'nginx'),
      port,
      upstreams: proxies.map((proxy) => ({ address: `127.0.0.1:${proxy.port}` })),
      webDir: dir.path,
      workers: 1,
      accessLog: false,
      // Every failure here is on purpose: no instance is left out for failing.
    }).replaceAll('max_fails=2', 'max_fails=0');
    nginx = spawnNginx(findNginx(), path.join(dir.path, 'nginx'), config).child;
    const accepts = () =>
      new Promise<boolean>((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => {
          socket.end();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      });
    await waitUntil('nginx', accepts, { timeoutMs: 15_000, child: nginx });
  }, 60_000);

  afterAll(async () => {
    if (nginx !== undefined) await stopProcess(nginx, 'SIGQUIT', 5_000, true);
    for (const proxy of proxies ?? []) await proxy.close();
    await second?.close();
    await first?.close();
    await dir?.remove();
  });

  /** Sends one request through nginx while every answer is lost; answers the requests the instances saw. */
  async function withAnswersLost(token: string, method: string, apiPath: string, body?: string) {
    for (const proxy of proxies) {
      proxy.seen.length = 0;
      proxy.losing = true;
    }
    try {
      const response = await new Api(url, token).request(method, apiPath, { body });
      const answer = { status: response.status, body: await response.json() };
      return { answer, seen: proxies.flatMap((proxy) => proxy.seen) };
    } finally {
      for (const proxy of proxies) proxy.losing = false;
    }
  }

  it('sends a purge whose answer was lost to no other instance: it happened once, and the client is told to retry', async () => {
    const { api, token } = await signUp(first, uniqueName());
    const file = await api.expect(201, 'PUT', '/folders/root/files/purged.txt', { body: 'bytes' });
    await api.expect(204, 'DELETE', `/nodes/${file.id}`);
    const { answer, seen } = await withAnswersLost(token, 'DELETE', `/trash/${file.id}`);
    expect(seen).toEqual([`DELETE /api/v1/trash/${file.id}`]);
    expect(answer.status).toBe(503);
    expect(answer.body.error.code).toBe('service_unavailable');
    // It was purged; the client's retry is told the truth (404: no such item in the trash).
    await api.expect(404, 'GET', `/files/${file.id}`);
  });

  it('sends a trash, a move and an upload whose answers were lost to no other instance either', async () => {
    const { api, token } = await signUp(first, uniqueName());
    const folder = await api.expect(201, 'POST', '/folders', { json: { parentId: 'root', name: 'f' } });
    for (const [method, apiPath, body] of [
      ['DELETE', `/nodes/${folder.id}`],
      ['POST', `/nodes/${folder.id}/restore`],
      ['PUT', '/folders/root/files/once.txt?onConflict=rename', 'uploaded once'],
    ] as const) {
      const { answer, seen } = await withAnswersLost(token, method, apiPath, body);
      expect(seen).toEqual([`${method} /api/v1${apiPath}`]);
      expect(answer.status).toBe(503);
    }
    const listing = await api.expect(200, 'GET', '/folders/root');
    expect(listing.children.map((child: { name: string }) => child.name).sort()).toEqual(['f', 'once.txt']);
  });

  it('still passes a read whose answer was lost on to the next instance', async () => {
    const { token } = await signUp(first, uniqueName());
    const { answer, seen } = await withAnswersLost(token, 'GET', '/folders/root');
    expect(seen).toEqual(['GET /api/v1/folders/root', 'GET /api/v1/folders/root']);
    expect(answer.status).toBe(503);
  });
});

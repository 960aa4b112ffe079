import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../tools/processes.ts';
import { createS3BlobStore } from '../src/platform/blobs/s3.blob-store.ts';
import { Api, uniqueName } from './client.ts';
import { driverSets } from './harness.ts';
import { killStartedServers, type ServerProcess, spawnServer, untilHealthy } from './server-process.ts';
import { createPostgresDatabase, REDIS_URL, startS3, tempDir } from './services.ts';
import { partOf, sendPart, startUpload } from './uploads-client.ts';

/** Runs `main.mjs` as `npm start` does, on the embedded drivers. */
function startMain(env: Record<string, string>): ServerProcess {
  // One data directory serves several tests, each registering an account of its own.
  return spawnServer({ LOG_LEVEL: 'warn', REGISTRATION: 'open', ...env });
}

/** Starts the server on `env` again, runs `check` once it answers, and stops it. */
async function whileRunning(env: Record<string, string>, origin: string, check: () => Promise<void>) {
  const server = startMain(env);
  try {
    await untilHealthy(origin, server);
    await check();
  } finally {
    server.child.kill('SIGTERM');
    await once(server.child, 'exit');
  }
}

async function startSignedIn(dataDir: string, password: string) {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const env = { DATA_DIR: dataDir, PORT: String(port) };
  const first = startMain(env);
  await untilHealthy(origin, first);
  const api = new Api(origin);
  api.token = (
    await api.expect(201, 'POST', '/auth/register', { json: { username: uniqueName(), password } })
  ).token;
  return { origin, env, first, api };
}

describe('the server process', () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    data = await tempDir();
  });
  afterAll(async () => {
    // A test that failed half-way must not leave a server running.
    killStartedServers();
    await data.remove();
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ DATABASE_URL: 'mysql://localhost/x' }, 'DATABASE_URL'],
    [{ S3_ENDPOINT: 'http://127.0.0.1:9000' }, 'S3_BUCKET'],
  ])('refuses to start on bad configuration %o and names the variable', async (env, variable) => {
    const { child, output } = startMain({ DATA_DIR: data.path, ...env });
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(output()).toContain(`Fileshare can not start: ${variable}:`);
  });

  it('started as npm start starts it on a new data directory, copies the template rather than running initdb', async () => {
    const fresh = await tempDir();
    const port = await freePort();
    const server = startMain({ DATA_DIR: fresh.path, PORT: String(port) });
    try {
      await untilHealthy(`http://127.0.0.1:${port}`, server);
    } finally {
      server.child.kill('SIGTERM');
      await once(server.child, 'exit');
      await fresh.remove();
    }
    expect(server.output()).not.toContain('ran initdb');
  }, 60_000);

  it('runs with the allocator settings it starts itself again for, in the same process, unless the operator set them', async () => {
    /** The server's environment as the kernel holds it (glibc writes NULs between the tunables it read). */
    const environment = async (extra: Record<string, string>) => {
      const port = await freePort();
      const server = startMain({ DATA_DIR: data.path, PORT: String(port), ...extra });
      try {
        await untilHealthy(`http://127.0.0.1:${port}`, server);
        // The pid spawn answered is the server's: it replaced itself rather than starting a child.
        return (await readFile(`/proc/${server.child.pid}/environ`, 'utf8')).replaceAll('\0', ':');
      } finally {
        server.child.kill('SIGTERM');
        await once(server.child, 'exit');
      }
    };
    const ours =
      'glibc.malloc.arena_max=2:glibc.malloc.trim_threshold=131072:glibc.malloc.mmap_threshold=2097152';
    expect(await environment({})).toContain(`GLIBC_TUNABLES=${ours}`);
    const operators = await environment({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=4' });
    expect(operators).toContain('GLIBC_TUNABLES=glibc.malloc.arena_max=4');
    expect(operators).not.toContain('trim_threshold');
    expect(await environment({ GLIBC_TUNABLES: 'glibc.pthread.rseq=1' })).toContain(
      `GLIBC_TUNABLES=glibc.pthread.rseq=1:${ours}`,
    );
  }, 60_000);

  it('started as npm start starts it, gives idle memory back after each burst of requests', async () => {
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const env = {
      DATA_DIR: data.path,
      PORT: String(port),
      LOG_LEVEL: 'debug',
      IDLE_MEMORY_RELEASE_MS: '300',
    };
    const server = startMain(env);
    const releases = () =>
      server
        .output()
        .split('\n')
        .filter((line) => line.includes('"idle memory released"'));
    const waitForReleases = async (count: number) => {
      for (let i = 0; i < 200 && releases().length < count; i++) await new Promise((r) => setTimeout(r, 50));
      expect(releases(), server.output()).toHaveLength(count);
    };
    try {
      await untilHealthy(origin, server);
      await waitForReleases(1);
      const released = JSON.parse(releases()[0] ?? '{}') as { ms?: number; rssMiB?: number };
      expect(released.rssMiB).toBeGreaterThan(0);
      // Idle with no request since: nothing more to give back.
      await new Promise((r) => setTimeout(r, 1000));
      expect(releases()).toHaveLength(1);
      expect((await fetch(`${origin}/api/v1/ready`)).status).toBe(200);
      await waitForReleases(2);
    } finally {
      server.child.kill('SIGTERM');
      await once(server.child, 'exit');
    }
    expect(server.output()).not.toContain('node runs without --expose-gc');
  }, 60_000);

  it('finishes an upload in flight on SIGTERM, exits cleanly, and keeps the file across a restart', async () => {
    const { origin, env, first, api } = await startSignedIn(data.path, 'sigterm test');

    const content = randomBytes(2 * 1024 * 1024);
    const upload = http.request(`${origin}/api/v1/folders/root/files/inflight.bin`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${api.token}`, 'content-length': content.length },
    });
    const response = once(upload, 'response');
    upload.write(content.subarray(0, 1024 * 1024));
    // Signal only once the server is writing the body, so the request is surely in flight.
    for (let i = 0; i < 200 && (await readdir(`${data.path}/blobs/tmp`).catch(() => [])).length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    first.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(first.child.exitCode).toBeNull();
    upload.end(content.subarray(1024 * 1024));
    const [res] = (await response) as [http.IncomingMessage];
    let body = '';
    for await (const chunk of res) body += chunk;
    expect(res.statusCode, body).toBe(201);
    const [code] = await once(first.child, 'exit');
    expect(code).toBe(0);

    await whileRunning(env, origin, async () => {
      const node = JSON.parse(body);
      const download = await api.request('GET', `/files/${node.id}/content`);
      expect(Buffer.from(await download.arrayBuffer()).equals(content)).toBe(true);
    });
  }, 120_000);

  it('resumes an upload after the server was killed (kill -9) between parts', async () => {
    const { origin, env, first, api } = await startSignedIn(data.path, 'crash resume');
    const content = randomBytes(9 * 1024 * 1024);
    const session = await startUpload(api, { name: 'survivor.bin', size: content.length });
    expect((await sendPart(api, session, 1, partOf(session, content, 1))).status).toBe(200);
    first.child.kill('SIGKILL');
    await once(first.child, 'exit');

    await whileRunning(env, origin, async () => {
      const resumed = await api.expect(200, 'GET', `/uploads/${session.id}`);
      expect(resumed.uploadedParts).toEqual([{ number: 1, size: 8 * 1024 * 1024 }]);
      expect((await sendPart(api, resumed, 2, partOf(resumed, content, 2))).status).toBe(200);
      const node = await api.expect(201, 'POST', `/uploads/${session.id}/complete`);
      const download = await api.request('GET', `/files/${node.id}/content`);
      expect(Buffer.from(await download.arrayBuffer()).equals(content)).toBe(true);
    });
  }, 120_000);

  // Part of the `services` driver set (TEST_DRIVERS=embedded,services), which CI runs.
  it.runIf(driverSets().includes('services'))(
    'runs the same build on PostgreSQL, Redis and S3 given only the environment',
    async () => {
      const postgres = await createPostgresDatabase();
      const s3 = await startS3();
      const port = await freePort();
      const origin = `http://127.0.0.1:${port}`;
      const server = startMain({
        PORT: String(port),
        DATA_DIR: data.path,
        DATABASE_URL: postgres.url,
        REDIS_URL,
        S3_ENDPOINT: s3.config.endpoint ?? '',
        S3_BUCKET: s3.config.bucket,
        S3_REGION: s3.config.region,
        S3_ACCESS_KEY_ID: s3.config.accessKeyId ?? '',
        S3_SECRET_ACCESS_KEY: s3.config.secretAccessKey ?? '',
        S3_FORCE_PATH_STYLE: 'true',
      });
      try {
        await untilHealthy(origin, server);
        const api = new Api(origin);
        expect((await api.expect(200, 'GET', '/ready')).checks).toEqual({
          database: 'ok',
          cache: 'ok',
          blobs: 'ok',
        });
        api.token = (
          await api.expect(201, 'POST', '/auth/register', {
            json: { username: uniqueName(), password: 'services run' },
          })
        ).token;
        const content = randomBytes(300_000);
        const node = await (await api.upload('root', 'on-s3.bin', content)).json();
        const download = await api.request('GET', `/files/${node.id}/content`);
        expect(Buffer.from(await download.arrayBuffer()).equals(content)).toBe(true);
        // The bytes are in the bucket, the row in PostgreSQL.
        const client = new pg.Client({ connectionString: postgres.url });
        await client.connect();
        const { rows } = await client.query('select blob_key from nodes where id = $1', [node.id]);
        await client.end();
        expect(rows).toHaveLength(1);
        expect((await createS3BlobStore(s3.config).stat(rows[0].blob_key))?.size).toBe(content.length);
      } finally {
        server.child.kill('SIGTERM');
        await once(server.child, 'exit');
        await s3.close();
        await postgres.drop();
      }
    },
    120_000,
  );
});

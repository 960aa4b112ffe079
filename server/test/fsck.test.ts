import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkStorage } from '../src/features/fsck/storage-check.ts';
import { createServices } from '../src/services.ts';
import { signUp, uniqueName } from './client.ts';
import { driverSets, startServer, type TestServer } from './harness.ts';
import { commandEnv, tempDir } from './services.ts';

const FSCK_CLI = fileURLToPath(new URL('../src/features/fsck/fsck.cli.ts', import.meta.url));

async function blobKeyOf(server: TestServer, nodeId: string): Promise<string> {
  const result = await server.deps.database.db.execute(sql`select blob_key from nodes where id = ${nodeId}`);
  return (result as unknown as { rows: { blob_key: string }[] }).rows[0]?.blob_key ?? '';
}

/** A file uploaded by a new user; its node and blob key. */
async function uploaded(server: TestServer, name: string, size = 4096) {
  const { api, user } = await signUp(server, uniqueName());
  const node = await (await api.upload('root', name, randomBytes(size))).json();
  return { api, user, node, blobKey: await blobKeyOf(server, node.id) };
}

describe.each(driverSets())('fsck (%s)', (set) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(set);
  });
  afterAll(() => server.close());
  const check = (options = {}) => checkStorage(server.deps, createServices(server.deps), options);
  const about = <P extends { subject: string }>(problems: P[], subject: string) =>
    problems.filter((p) => p.subject === subject);

  it('finds nothing wrong in a healthy store', async () => {
    await uploaded(server, 'fine.bin');
    const report = await check({ verifyContent: true });
    expect(report.problems).toEqual([]);
    expect(report.files).toBeGreaterThan(0);
  });

  it('finds a deleted blob, and a corrupted one when asked to read the content', async () => {
    const gone = await uploaded(server, 'gone.bin');
    const bent = await uploaded(server, 'bent.bin', 1000);
    await server.deps.blobs.delete(gone.blobKey);
    // Same size, other bytes: only reading the content shows it.
    await server.deps.blobs.put(bent.blobKey, Readable.from([randomBytes(1000)]));
    const quick = await check();
    expect(about(quick.problems, gone.node.id).map((p) => p.kind)).toEqual(['missing_blob']);
    expect(about(quick.problems, bent.node.id)).toEqual([]);
    const thorough = await check({ verifyContent: true });
    expect(about(thorough.problems, bent.node.id).map((p) => p.kind)).toEqual(['wrong_content']);
    // Put back in order for the next test: the broken files purged.
    await server.deps.database.db.execute(
      sql`delete from nodes where id in (${gone.node.id}, ${bent.node.id})`,
    );
    await server.deps.database.db.execute(
      sql`update users set used_bytes = 0 where id in (${gone.user.id}, ${bent.user.id})`,
    );
    await server.deps.blobs.delete(bent.blobKey);
  });

  it('reports an orphan blob and a wrong usage figure, and repairs both only when asked', async () => {
    const { user } = await uploaded(server, 'counted.bin', 3000);
    const orphan = `blobs/or/${randomBytes(16).toString('hex')}`;
    await server.deps.blobs.put(orphan, Readable.from([Buffer.from('nobody’s')]));
    await server.deps.database.db.execute(sql`update users set used_bytes = 12345 where id = ${user.id}`);

    const found = await check();
    expect(about(found.problems, orphan).map((p) => [p.kind, p.repaired])).toEqual([['orphan_blob', false]]);
    expect(about(found.problems, user.id).map((p) => [p.kind, p.repaired])).toEqual([['wrong_usage', false]]);
    expect(await server.deps.blobs.stat(orphan)).toBeDefined();

    const graceMs = server.deps.config.uploads.gcGraceSeconds * 1000 + 60_000;
    server.clock.advance(graceMs);
    try {
      const repaired = await check({ repair: true });
      expect(about(repaired.problems, orphan).map((p) => p.repaired)).toEqual([true]);
      expect(about(repaired.problems, user.id).map((p) => p.repaired)).toEqual([true]);
    } finally {
      server.clock.advance(-graceMs);
    }
    expect(await server.deps.blobs.stat(orphan)).toBeUndefined();
    const usage = await server.deps.database.db.execute(
      sql`select used_bytes::text as used from users where id = ${user.id}`,
    );
    expect((usage as unknown as { rows: { used: string }[] }).rows[0]?.used).toBe('3000');
    expect((await check()).problems).toEqual([]);
  });
});

// The command runs against the configured services, which only the services set shares with it.
describe.runIf(driverSets().includes('services'))('npm run fsck (PostgreSQL + S3)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer('services');
  });
  afterAll(() => server.close());

  it('exits 1 naming the missing blob, and 0 on a healthy store', async () => {
    const { config } = server.deps;
    const data = await tempDir();
    const run = () =>
      promisify(execFile)(process.execPath, [FSCK_CLI], {
        env: commandEnv(config, data.path),
      }).then(
        ({ stdout }) => ({ code: 0, stdout }),
        (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
      );
    try {
      const { node, blobKey } = await uploaded(server, 'kept.bin');
      expect((await run()).code).toBe(0);
      await server.deps.blobs.delete(blobKey);
      const broken = await run();
      expect(broken.code).toBe(1);
      expect(broken.stdout).toContain(`missing_blob ${node.id}: no blob ${blobKey}`);
    } finally {
      await data.remove();
    }
  });
});

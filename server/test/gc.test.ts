import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGarbageCollector } from '../src/features/gc/garbage-collector.ts';
import { createServices } from '../src/services.ts';
import { signUp, uniqueName } from './client.ts';
import { driverSets, startServer, type TestServer } from './harness.ts';
import { commandEnv, tempDir } from './services.ts';
import { startUpload } from './uploads-client.ts';

/** The status of each upload session, as the database has it. */
async function statuses(server: TestServer, ids: string[]) {
  return Promise.all(
    ids.map(async (id) => {
      const result = await server.deps.database.db.execute(sql`select status from uploads where id = ${id}`);
      return (result as unknown as { rows: { status: string }[] }).rows[0]?.status;
    }),
  );
}

const GC_CLI = fileURLToPath(new URL('../src/features/gc/gc.cli.ts', import.meta.url));

describe.each(driverSets())('the garbage collector’s dry run (%s)', (set) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(set);
  });
  afterAll(() => server.close());

  it('counts the expired upload sessions it would abort, and aborts none', async () => {
    const { api } = await signUp(server, uniqueName());
    const expiring = await Promise.all(
      ['a.bin', 'b.bin'].map((name) => startUpload(api, { name, size: 1000 })),
    );
    const gc = createGarbageCollector(server.deps, createServices(server.deps));
    expect((await gc.run({ dryRun: true })).expiredSessions).toBe(0);

    const ttlMs = server.deps.config.uploads.sessionTtlSeconds * 1000;
    server.clock.advance(ttlMs + 60_000);
    try {
      const dry = await gc.run({ dryRun: true });
      expect(dry).toMatchObject({ ran: true, expiredSessions: 2 });
      const ids = expiring.map((session) => session.id);
      expect(await statuses(server, ids)).toEqual(['open', 'open']);

      expect((await gc.run()).expiredSessions).toBe(2);
      expect(await statuses(server, ids)).not.toContain('open');
      expect((await gc.run({ dryRun: true })).expiredSessions).toBe(0);
    } finally {
      server.clock.advance(-(ttlMs + 60_000));
    }
  });
});

// The command runs against the configured services, which only the services set shares with it.
describe.runIf(driverSets().includes('services'))('the garbage collector’s command (PostgreSQL + S3)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer('services');
  });
  afterAll(() => server.close());

  it('npm run gc -- --dry-run reports the expired upload sessions it would abort', async () => {
    const { api } = await signUp(server, uniqueName());
    const session = await startUpload(api, { name: 'old.bin', size: 1000 });
    await server.deps.database.db.execute(
      sql`update uploads set expires_at = now() - interval '1 hour' where id = ${session.id}`,
    );
    const { config } = server.deps;
    const data = await tempDir();
    try {
      const { stdout } = await promisify(execFile)(process.execPath, [GC_CLI, '--dry-run'], {
        env: commandEnv(config, data.path),
      });
      expect(stdout).toContain('expired upload sessions would abort: 1\n');
      expect(await statuses(server, [session.id])).toEqual(['open']);
    } finally {
      await data.remove();
    }
  });
});

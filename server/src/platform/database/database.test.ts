import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverSets } from '../../../test/harness.ts';
import { createPostgresDatabase } from '../../../test/services.ts';
import { type DatabaseHandle, openPglite, openPostgres } from './database.ts';

async function exclusiveTwice(first: DatabaseHandle, second: DatabaseHandle) {
  let release: () => void = () => {};
  const holding = new Promise<void>((resolve) => {
    release = resolve;
  });
  const firstRun = first.exclusively(42, () => holding);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const secondRan = await second.exclusively(42, async () => {});
  release();
  return { firstRan: await firstRun, secondRan, afterwards: await second.exclusively(42, async () => {}) };
}

describe('running something in one place at a time', () => {
  it('PGlite: a second holder is turned away while the first runs', async () => {
    const database = await openPglite(undefined);
    try {
      expect(await exclusiveTwice(database, database)).toEqual({
        firstRan: true,
        secondRan: false,
        afterwards: true,
      });
    } finally {
      await database.close();
    }
  });

  // Part of the `services` driver set (TEST_DRIVERS=embedded,services), which CI runs.
  describe.runIf(driverSets().includes('services'))('PostgreSQL', () => {
    let postgres: Awaited<ReturnType<typeof createPostgresDatabase>>;
    let a: DatabaseHandle;
    let b: DatabaseHandle;
    beforeAll(async () => {
      postgres = await createPostgresDatabase();
      a = await openPostgres(postgres.url);
      b = await openPostgres(postgres.url);
    });
    afterAll(async () => {
      await a.close();
      await b.close();
      await postgres.drop();
    });

    it('two processes on one database: only one runs at a time (advisory lock)', async () => {
      expect(await exclusiveTwice(a, b)).toEqual({ firstRan: true, secondRan: false, afterwards: true });
    });

    it('migrates from two instances at once', async () => {
      await Promise.all([a.migrate(), b.migrate()]);
      await a.check();
    });
  });
});

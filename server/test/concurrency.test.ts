import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGarbageCollector } from '../src/features/gc/garbage-collector.ts';
import { createServices } from '../src/services.ts';
import { signUp, uniqueName } from './client.ts';
import { checkInvariants, describeReport, violationCount } from './concurrency/invariants.ts';
import { Random, seedFromEnv } from './concurrency/random.ts';
import { runWorkload, type SharedTree, unreadableUploads } from './concurrency/workload.ts';
import { driverSets, startServer, type TestServer } from './harness.ts';

const SECONDS = Number(process.env.CONCURRENCY_SECONDS ?? 20);
const WORKERS = 16;

// Part of the `services` driver set (TEST_DRIVERS=embedded,services), which CI runs.
describe.runIf(driverSets().includes('services'))(
  'many actors on a few trees, two instances on one PostgreSQL',
  () => {
    let first: TestServer;
    let second: TestServer;
    beforeAll(async () => {
      first = await startServer('services');
      second = await startServer('services', { peerOf: first });
    });
    afterAll(async () => {
      await second?.close();
      await first?.close();
    });

    it(
      'keeps every invariant of the trees, the accounting and the store',
      async () => {
        const seed = seedFromEnv('CONCURRENCY_SEED');
        const random = new Random(seed);
        const trees: SharedTree[] = [];
        for (let i = 0; i < 3; i++) {
          const { token, user } = await signUp(first, uniqueName('tree'));
          // A quota, so that charges near it race too.
          await first.deps.database.db.execute(
            sql`update users set quota_bytes = 3000000 where id = ${user.id}`,
          );
          trees.push({ token, folders: [], files: [], trashed: [], sessions: [] });
        }
        const result = await runWorkload({
          origins: [first.origin, second.origin],
          trees,
          workers: WORKERS,
          durationMs: SECONDS * 1000,
          random,
        });
        const unreadable = await unreadableUploads(first.origin, result.stored);
        const before = await checkInvariants(first.deps.database.db, first.deps.blobs, {
          orphansAllowed: true,
        });
        // A collection with no grace period: every blob left must be pointed at by a file or a session.
        first.clock.advance(first.deps.config.uploads.gcGraceSeconds * 1000 + 1000);
        await createGarbageCollector(first.deps, createServices(first.deps)).run();
        const after = await checkInvariants(first.deps.database.db, first.deps.blobs, {
          orphansAllowed: false,
        });
        const operations = Object.entries(result.counts)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([name, count]) => `${name}: ${count}`)
          .join(', ');
        console.info(
          [
            `concurrency: seed ${seed} (CONCURRENCY_SEED=${seed} replays it), ${WORKERS} workers, ${SECONDS} s, 2 instances`,
            `operations: ${operations}`,
            `unexpected answers: ${result.unexpected.length}${result.unexpected.length ? ` (${result.unexpected.slice(0, 10).join('; ')})` : ''}`,
            `uploads answered 2xx and unchanged since that read back other bytes: ${unreadable.length}`,
            `invariants after the run:\n${describeReport(before)}`,
            `invariants after a collection:\n${describeReport(after)}`,
          ].join('\n'),
        );
        expect(result.unexpected).toEqual([]);
        expect(unreadable).toEqual([]);
        expect(violationCount(before)).toBe(0);
        expect(violationCount(after)).toBe(0);
        expect(Object.values(result.counts).reduce((a, b) => a + b, 0)).toBeGreaterThan(100);
      },
      (SECONDS + 120) * 1000,
    );
  },
);

import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultyProxy, startFaultyProxy } from '../../tools/faulty-proxy.ts';
import { type PrivatePostgres, startPrivatePostgres } from '../../tools/postgres.ts';
import { startPrivateRedis } from '../../tools/redis.ts';
import { Api, uniqueName } from './client.ts';
import { checkInvariants, describeReport, violationCount } from './concurrency/invariants.ts';
import { Random, seedFromEnv } from './concurrency/random.ts';
import { runWorkload, type SharedTree, unreadableUploads } from './concurrency/workload.ts';
import { fillDisk, mountSmallDisk } from './faults/disk.ts';
import { type Stack, startStack } from './faults/stack.ts';
import { driverSets } from './harness.ts';
import { startS3, type TestS3 } from './services.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const TRIALS = Number(process.env.FAULT_TRIALS ?? 200);
const TRIAL_MS = Number(process.env.FAULT_TRIAL_MS ?? 800);
const WORKERS = Number(process.env.FAULT_WORKERS ?? 6);

/** The faults, by the short name FAULT_KINDS takes (e.g. FAULT_KINDS=kill,disk runs only those). */
const KINDS = {
  kill: 'kill -9 of an instance',
  postgres: 'PostgreSQL restarted',
  redis: 'Redis stopped',
  store: 'store answering 5% errors',
  disk: 'disk full',
} as const;
type Fault = (typeof KINDS)[keyof typeof KINDS];
const ALL_FAULTS = Object.values(KINDS);
const FAULTS: Fault[] =
  process.env.FAULT_KINDS === undefined
    ? ALL_FAULTS
    : process.env.FAULT_KINDS.split(',').map((name) => {
        const fault = KINDS[name.trim() as keyof typeof KINDS];
        if (fault === undefined)
          throw new Error(`FAULT_KINDS: unknown fault "${name}" (${Object.keys(KINDS).join(', ')})`);
        return fault;
      });

/**
 * What a request may answer while its fault lasts, besides what the workload expects anyway:
 * 0 is a connection refused or reset (the instance it was talking to died); 503 is the database
 * or the store unavailable; 507 is a full disk. Anything else is reported as unexpected.
 */
const TOLERATED: Record<Fault, number[]> = {
  'kill -9 of an instance': [0],
  'PostgreSQL restarted': [503],
  'Redis stopped': [],
  'store answering 5% errors': [0, 503],
  'disk full': [507],
};

interface TrialResult {
  seed: number;
  fault: Fault;
  violations: number;
  unreadable: string[];
  unexpected: string[];
  /** What the instances logged as errors during the trial. */
  errors: string[];
  servingAgain: boolean;
  report: string;
}

// Part of the `services` driver set (TEST_DRIVERS=embedded,services), which CI runs.
describe.runIf(driverSets().includes('services'))(
  'faults in the middle of a workload: kill -9, PostgreSQL restarted, Redis stopped, store errors, disk full',
  () => {
    let postgres: PrivatePostgres;
    let redis: Awaited<ReturnType<typeof startPrivateRedis>>;
    let bucket: TestS3;
    let proxy: FaultyProxy;
    let disk: Awaited<ReturnType<typeof mountSmallDisk>>;
    /** On the bucket, through the proxy: every fault but the full disk. */
    let onS3: Stack;
    /** On a directory both instances share, on a small file system: the full disk. */
    let onDisk: Stack;

    beforeAll(async () => {
      postgres = await startPrivatePostgres();
      redis = await startPrivateRedis();
      bucket = await startS3();
      proxy = await startFaultyProxy(bucket.config.endpoint as string);
      disk = await mountSmallDisk('128m');
      [onS3, onDisk] = await Promise.all([
        startStack({
          name: 'faults-s3',
          databaseUrl: await postgres.database('fileshare_faults_s3'),
          redisUrl: redis.url,
          s3: bucket.config,
          s3Endpoint: proxy.origin,
        }),
        startStack({
          name: 'faults-disk',
          databaseUrl: await postgres.database('fileshare_faults_disk'),
          redisUrl: redis.url,
          sharedDataDir: disk.path,
        }),
      ]);
    }, 180_000);

    afterAll(async () => {
      proxy.failRate = 0;
      await Promise.allSettled([onS3?.close(), onDisk?.close()]);
      await proxy?.close();
      await bucket?.close();
      await redis?.stop();
      await postgres?.stop();
      await disk?.remove();
    }, 60_000);

    async function signUpTree(stack: Stack): Promise<{ tree: SharedTree; id: string }> {
      const api = new Api(stack.origins()[0] as string);
      const { token, user } = await api.expect(201, 'POST', '/auth/register', {
        json: { username: uniqueName('fault'), password: 'correct horse battery' },
      });
      // A quota, so that charges near it race too.
      await stack.deps.database.db.execute(sql`update users set quota_bytes = 3000000 where id = ${user.id}`);
      return { tree: { token, folders: [], files: [], trashed: [], sessions: [] }, id: user.id };
    }

    /** Strikes once, `at` ms into the workload, and has undone itself by the time it resolves. */
    async function strike(fault: Fault, stack: Stack, random: Random, at: number) {
      const victim = random.int(2);
      const lasts = 200 + random.int(400);
      await sleep(at);
      switch (fault) {
        case 'kill -9 of an instance':
          await stack.kill(victim);
          await stack.restart(victim);
          break;
        case 'PostgreSQL restarted':
          await postgres.restart();
          break;
        case 'Redis stopped':
          await redis.stop();
          await sleep(lasts);
          await redis.start();
          break;
        case 'store answering 5% errors':
          proxy.failRate = 0.05;
          await sleep(TRIAL_MS - at);
          proxy.failRate = 0;
          break;
        case 'disk full': {
          const free = await fillDisk(disk.path);
          await sleep(lasts);
          await free();
          break;
        }
      }
    }

    async function trial(seed: number): Promise<TrialResult> {
      const random = new Random(seed);
      const fault = random.pick(FAULTS) as Fault;
      const stack = fault === 'disk full' ? onDisk : onS3;
      const at = 100 + random.int(Math.max(1, TRIAL_MS / 2));
      stack.takeErrors();
      const accounts = [await signUpTree(stack), await signUpTree(stack)];
      const [result] = await Promise.all([
        runWorkload({
          origins: stack.origins(),
          trees: accounts.map((account) => account.tree),
          workers: WORKERS,
          durationMs: TRIAL_MS,
          random,
          tolerated: (status) => TOLERATED[fault].includes(status),
        }),
        strike(fault, stack, random, at),
      ]);
      const servingAgain = await stack.allReady(20_000);
      const owners = accounts.map((account) => account.id);
      const { db } = stack.deps.database;
      const unreadable = await unreadableUploads(stack.origins()[0] as string, result.stored);
      // A collection as if the grace period had passed, then the invariants: whatever a fault cut
      // short left nothing behind that no file or session accounts for.
      await stack.collect();
      const report = await checkInvariants(db, stack.deps.blobs, { orphansAllowed: false, owners });
      return {
        seed,
        fault,
        violations: violationCount(report),
        unreadable,
        unexpected: result.unexpected,
        errors: stack.takeErrors(),
        servingAgain,
        report: describeReport(report),
      };
    }

    it(
      `keeps every invariant through ${TRIALS} trials, each with one fault in the middle of a workload`,
      async () => {
        const seed = seedFromEnv('FAULT_SEED');
        const given = process.env.FAULT_TRIAL_SEED;
        const seeds = new Random(seed);
        const trialSeeds =
          given === undefined ? Array.from({ length: TRIALS }, () => seeds.int(2 ** 31)) : [Number(given)];
        const started = Date.now();
        const results: TrialResult[] = [];
        for (const trialSeed of trialSeeds) {
          const outcome = await trial(trialSeed);
          results.push(outcome);
          if (outcome.unexpected.length > 0)
            console.error(
              `fault trial ${results.length} (FAULT_TRIAL_SEED=${trialSeed}): ${outcome.fault}: unexpected ${outcome.unexpected.join(', ')}\n${outcome.errors.slice(0, 5).join('\n')}`,
            );
          if (outcome.violations > 0 || outcome.unreadable.length > 0 || !outcome.servingAgain)
            console.error(
              `fault trial ${results.length} (FAULT_TRIAL_SEED=${trialSeed} replays it): ${outcome.fault}\n${outcome.report}\n${outcome.unreadable.join('\n')}${outcome.servingAgain ? '' : '\nan instance did not serve again'}`,
            );
        }
        const seconds = (Date.now() - started) / 1000;
        const byKind = ALL_FAULTS.map((fault) => {
          const of = results.filter((outcome) => outcome.fault === fault);
          const unexpected = of.flatMap((outcome) => outcome.unexpected);
          return `  ${fault}: ${of.length} trials, ${of.reduce((n, o) => n + o.violations, 0)} invariant violations, ${unexpected.length} unexpected answers${unexpected.length ? ` (${[...new Set(unexpected)].slice(0, 6).join('; ')})` : ''}`;
        });
        const violations = results.reduce((total, outcome) => total + outcome.violations, 0);
        const unreadable = results.flatMap((outcome) => outcome.unreadable);
        const exits = [...onS3.unexpectedExits, ...onDisk.unexpectedExits];
        const unexpected = results.flatMap((outcome) => outcome.unexpected);
        const failedTrials = results.filter(
          (outcome) => outcome.violations > 0 || outcome.unreadable.length > 0 || !outcome.servingAgain,
        );
        console.info(
          [
            `faults: seed ${seed} (FAULT_SEED=${seed} replays the run), ${results.length} trials of ${TRIAL_MS} ms with ${WORKERS} workers on 2 instances, ${seconds.toFixed(0)} s`,
            ...byKind,
            `invariant violations: ${violations}`,
            `uploads answered 2xx that read back other bytes: ${unreadable.length}`,
            `instances that exited by themselves: ${exits.length}`,
            `trials after which an instance did not serve again: ${results.filter((o) => !o.servingAgain).length}`,
            `unexpected answers: ${unexpected.length}`,
            `store requests failed by the proxy: ${proxy.counts.failed} of ${proxy.counts.failed + proxy.counts.passed}`,
            ...(failedTrials.length
              ? [
                  `failed trials: ${failedTrials.map((o) => `FAULT_TRIAL_SEED=${o.seed} (${o.fault})`).join(', ')}`,
                ]
              : []),
          ].join('\n'),
        );
        expect(exits).toEqual([]);
        expect(violations).toBe(0);
        expect(unreadable).toEqual([]);
        expect(failedTrials).toEqual([]);
        // The trials' own lines may be cut from a long log: the assertion names them, and what was logged.
        const answeredOddly = results
          .filter((outcome) => outcome.unexpected.length > 0)
          .map(
            (o) =>
              `FAULT_TRIAL_SEED=${o.seed} (${o.fault}): ${o.unexpected.join(', ')}\n${o.errors.slice(0, 3).join('\n')}`,
          );
        expect(unexpected, answeredOddly.join('\n')).toEqual([]);
        if (given === undefined)
          for (const fault of FAULTS) expect(results.some((o) => o.fault === fault)).toBe(true);
      },
      TRIALS * 20_000 + 60_000,
    );
  },
);

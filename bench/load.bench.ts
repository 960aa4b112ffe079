/**
 * Load benchmark: the scaled-out topology (deploy/cluster.ts: nginx in front of N API processes on
 * PostgreSQL, Redis and an s3rver) driven by autocannon on loopback.
 *
 * Workloads, each through nginx with one user's token:
 *   listing   GET /api/v1/folders/<a folder of 1,000 files>?limit=1000
 *   page      GET /api/v1/folders/<the same folder> (its first page: 100 files, the default)
 *   metadata  GET /api/v1/files/<id>, cycling over the 1,000 files
 *   login     POST /api/v1/auth/login (argon2id on every request)
 * Configurations: 1 and 2 API instances × cache on Redis / no cache (CACHE_ENABLED=false), and on
 * request the in-process cache of each instance (no REDIS_URL).
 *
 * Each workload runs with 1, 2, 4, … connections until the API processes use a whole core between
 * them (SATURATED_CORES): that is "the load that saturates one core", where the p99 target is judged.
 *
 * Environment:
 *   BENCH_DURATION     seconds per measured run (default 10), after a 2 s warm-up
 *   BENCH_CONNECTIONS  the connection counts to step through (default "1,2,4,8,16,32")
 *   BENCH_FILES        files in the listed folder (default 1000)
 *   BENCH_INSTANCES    e.g. "1,2" (default)
 *   BENCH_CACHES       e.g. "redis,none" (default), "redis,memory,none"
 *   BENCH_WORKLOADS    e.g. "listing,metadata,login" (default), "listing,page,metadata,login"
 *   BENCH_CPU_PROF     a directory: the API processes run with --cpu-prof and leave their profiles there
 * PostgreSQL: a fresh database on TEST_POSTGRES_URL's server (default the local one), dropped at the
 * end. Redis: a redis-server of the benchmark's own, so its hit counters count only this run.
 * Prints a table and writes bench/results/load-latest.json.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { type Cluster, startCluster } from '../deploy/cluster.ts';
import { createPostgresDatabase, tempDir } from '../server/test/services.ts';
import { startPrivateRedis } from '../tools/redis.ts';
import { startS3rver } from '../tools/s3rver.ts';

/** The part of autocannon's API this uses (it ships no types). */
interface LoadRequest {
  method: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (request: LoadRequest) => LoadRequest;
}
interface LoadResult {
  requests: { average: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats: Record<string, { count: number }>;
}
const autocannon = createRequire(import.meta.url)('autocannon') as (options: {
  url: string;
  connections: number;
  duration: number;
  requests: LoadRequest[];
}) => Promise<LoadResult>;

const RESULTS = fileURLToPath(new URL('./results/load-latest.json', import.meta.url));

function list(name: string, fallback: string): string[] {
  return (process.env[name]?.trim() || fallback).split(',').map((item) => item.trim());
}
const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = list('BENCH_CONNECTIONS', '1,2,4,8,16,32').map(Number);
const FILES = Number(process.env.BENCH_FILES ?? 1000);
const INSTANCES = list('BENCH_INSTANCES', '1,2').map(Number);
const CACHES = list('BENCH_CACHES', 'redis,none') as Cache[];
const WORKLOADS = list('BENCH_WORKLOADS', 'listing,metadata,login') as Workload[];
/** The API processes' CPU, in cores, at which a step counts as saturating one core. */
const SATURATED_CORES = 0.9;
const TARGET_P99_MS = 50;
type Workload = 'listing' | 'page' | 'metadata' | 'login';
/**
 * redis: the shared cache. memory: no REDIS_URL, each instance its own in-process cache.
 * none: CACHE_ENABLED=false, every read answered by PostgreSQL.
 */
type Cache = 'redis' | 'memory' | 'none';

const USERNAME = 'loadbench';
const PASSWORD = 'load benchmark password';

interface Row {
  instances: number;
  cache: string;
  workload: Workload;
  connections: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** The statuses of the answers that were not 2xx, with their counts (e.g. "429×3"). */
  otherStatuses: string;
  hitRatio: number | null;
  /** CPU time of the API processes over the run, in cores (1.0 = one core busy all the time). */
  apiCores: number;
  nginxCores: number;
  /** The PostgreSQL backends serving the benchmark's database, and the benchmark's redis-server. */
  postgresCores: number;
  redisCores: number;
  /** The API's CPU per request, in milliseconds. */
  apiMsPerRequest: number;
  /** The first step whose API CPU reached SATURATED_CORES (or the busiest, when none did). */
  saturation: boolean;
  /** The measured run on the monotonic clock CPU profiles use (bench/cpuprofile-top.ts slices by it). */
  startedUs: number;
  endedUs: number;
}

const monotonicUs = () => Number(process.hrtime.bigint() / 1000n);

/** utime + stime of a process, in seconds. */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

function childPids(pid: number | undefined): number[] {
  if (pid === undefined) return [];
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

async function json(url: string, init: RequestInit & { token?: string } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const response = await fetch(url, { ...init, headers: { ...headers, ...(init.headers as object) } });
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${text}`);
  return text === '' ? undefined : JSON.parse(text);
}

/** One user, a folder of FILES small files; returns the token, the folder and the file ids. */
async function seed(url: string) {
  const api = `${url}/api/v1`;
  const { token } = await json(`${api}/auth/register`, {
    method: 'POST',
    body: JSON.stringify({ username: USERNAME, password: PASSWORD }),
  });
  const folder = await json(`${api}/folders`, {
    method: 'POST',
    token,
    body: JSON.stringify({ parentId: 'root', name: 'Thousand' }),
  });
  const ids: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      for (let i = next++; i < FILES; i = next++) {
        const response = await fetch(
          `${api}/folders/${folder.id}/files/file-${String(i).padStart(4, '0')}.txt`,
          {
            method: 'PUT',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
            body: `file ${i}\n`,
          },
        );
        if (response.status !== 201)
          throw new Error(`seeding file ${i}: ${response.status} ${await response.text()}`);
        ids.push((await response.json()).id);
      }
    }),
  );
  return { token: token as string, folderId: folder.id as string, fileIds: ids };
}

async function run(
  cluster: Cluster,
  workload: Workload,
  data: Awaited<ReturnType<typeof seed>>,
  connections: number,
  seconds: number,
): Promise<LoadResult> {
  let index = 0;
  const auth = { authorization: `Bearer ${data.token}` };
  const request: LoadRequest =
    workload === 'listing' || workload === 'page'
      ? {
          method: 'GET',
          path: `/api/v1/folders/${data.folderId}${workload === 'listing' ? '?limit=1000' : ''}`,
          headers: auth,
        }
      : workload === 'metadata'
        ? {
            method: 'GET',
            headers: auth,
            setupRequest: (req) => {
              index = (index + 1) % data.fileIds.length;
              return { ...req, path: `/api/v1/files/${data.fileIds[index]}` };
            },
          }
        : {
            method: 'POST',
            path: '/api/v1/auth/login',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ username: USERNAME, password: PASSWORD }),
          };
  return autocannon({ url: cluster.url, connections, duration: seconds, requests: [request] });
}

async function redisHits(redis: Redis | undefined): Promise<[number, number]> {
  if (redis === undefined) return [0, 0];
  const info = await redis.info('stats');
  const read = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  return [read('keyspace_hits'), read('keyspace_misses')];
}

function table(rows: Row[]) {
  const header = [
    'instances',
    'cache',
    'workload',
    'conns',
    'req/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'hit ratio',
    'API cores',
    'API ms/req',
    'PostgreSQL cores',
    'Redis cores',
    'nginx cores',
  ];
  const lines = rows.map((row) => [
    String(row.instances),
    row.cache,
    row.workload,
    String(row.connections),
    row.requestsPerSecond.toFixed(0),
    String(row.p50),
    String(row.p99),
    row.otherStatuses === ''
      ? String(row.errors + row.non2xx)
      : `${row.errors + row.non2xx} (${row.otherStatuses})`,
    row.hitRatio === null ? 'n/a' : `${(row.hitRatio * 100).toFixed(1)} %`,
    row.apiCores.toFixed(2),
    row.apiMsPerRequest.toFixed(2),
    row.postgresCores.toFixed(2),
    row.redisCores.toFixed(2),
    row.nginxCores.toFixed(2),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => line[column]?.length ?? 0)),
  );
  const format = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  return [format(header), format(widths.map((width) => '-'.repeat(width))), ...lines.map(format)].join('\n');
}

/** The verdict on the p99 target at the step that saturated one core. */
function verdict(row: Row): string {
  const saturated = row.apiCores >= SATURATED_CORES;
  const p99 = row.p99 < TARGET_P99_MS ? `PASS (p99 ${row.p99} ms)` : `FAIL (p99 ${row.p99} ms)`;
  return saturated ? p99 : `${p99}, but the API never reached ${SATURATED_CORES} cores`;
}

/** The process ids of the PostgreSQL backends connected to the benchmark's database. */
async function postgresBackends(client: pg.Client): Promise<number[]> {
  const { rows } = await client.query<{ pid: number }>(
    'select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
  );
  return rows.map((row) => row.pid);
}

async function main() {
  const cleanups: (() => Promise<void>)[] = [];
  let stopping = false;
  const cleanUp = async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      console.error(`\n${signal}: stopping`);
      void cleanUp().then(() => process.exit(130));
    });
  }
  try {
    const postgres = await createPostgresDatabase();
    cleanups.push(postgres.drop);
    const s3Dir = await tempDir('fileshare-load-s3-');
    cleanups.push(s3Dir.remove);
    const s3 = await startS3rver(s3Dir.path, 'fileshare-load');
    cleanups.push(s3.close);
    const redisServer = await startPrivateRedis();
    cleanups.push(redisServer.stop);
    const redis = new Redis(redisServer.url);
    cleanups.push(async () => redis.disconnect());
    const dir = await tempDir('fileshare-load-');
    cleanups.push(dir.remove);

    console.log(
      `Fileshare load benchmark: ${DURATION} s per run, stepping through ${CONNECTIONS.join(', ')} connections until the API uses ${SATURATED_CORES} cores, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), node ${process.version}`,
    );
    const monitor = new pg.Client({ connectionString: postgres.url });
    await monitor.connect();
    cleanups.push(() => monitor.end());
    const redisPid = Number(/^process_id:(\d+)/m.exec(await redis.info('server'))?.[1]);

    /** One measured run, with the CPU every process on the request's way used meanwhile. */
    async function measure(
      cluster: Cluster,
      workload: Workload,
      data: Awaited<ReturnType<typeof seed>>,
      connections: number,
      instances: number,
      cache: Cache,
    ): Promise<Row> {
      const apiPids = cluster.instances.map((instance) => instance.child.pid);
      const nginxPids = [cluster.nginx.pid, ...childPids(cluster.nginx.pid)];
      const sum = (pids: (number | undefined)[]) =>
        pids.reduce<number>((total, pid) => total + cpuSeconds(pid), 0);
      const [hits0, misses0] = await redisHits(cache === 'redis' ? redis : undefined);
      const postgresBefore = new Map((await postgresBackends(monitor)).map((pid) => [pid, cpuSeconds(pid)]));
      const apiBefore = sum(apiPids);
      const nginxBefore = sum(nginxPids);
      const redisBefore = cpuSeconds(redisPid);
      const startedUs = monotonicUs();
      const result = await run(cluster, workload, data, connections, DURATION);
      const endedUs = monotonicUs();
      const wall = (endedUs - startedUs) / 1e6;
      const apiSeconds = sum(apiPids) - apiBefore;
      // Backends that came and went during the run are missed; a pool keeps its connections while busy.
      const postgresSeconds = (await postgresBackends(monitor)).reduce(
        (total, pid) => total + cpuSeconds(pid) - (postgresBefore.get(pid) ?? 0),
        0,
      );
      const [hits1, misses1] = await redisHits(cache === 'redis' ? redis : undefined);
      const lookups = hits1 - hits0 + (misses1 - misses0);
      const requests = result.requests.average * wall;
      return {
        instances,
        cache,
        workload,
        connections,
        requestsPerSecond: result.requests.average,
        p50: result.latency.p50,
        p99: result.latency.p99,
        errors: result.errors + result.timeouts,
        non2xx: result.non2xx,
        otherStatuses: Object.entries(result.statusCodeStats)
          .filter(([status]) => !status.startsWith('2'))
          .map(([status, { count }]) => `${status}×${count}`)
          .join(' '),
        hitRatio: cache === 'redis' && workload !== 'login' && lookups > 0 ? (hits1 - hits0) / lookups : null,
        apiCores: apiSeconds / wall,
        nginxCores: (sum(nginxPids) - nginxBefore) / wall,
        postgresCores: postgresSeconds / wall,
        redisCores: cache === 'redis' ? (cpuSeconds(redisPid) - redisBefore) / wall : 0,
        apiMsPerRequest: requests > 0 ? (apiSeconds * 1000) / requests : 0,
        saturation: false,
        startedUs,
        endedUs,
      };
    }

    let data: Awaited<ReturnType<typeof seed>> | undefined;
    const rows: Row[] = [];
    for (const instances of INSTANCES) {
      for (const cache of CACHES) {
        const cluster = await startCluster({
          port: 0,
          instances,
          dir: path.join(dir.path, `${instances}-${cache}`),
          databaseUrl: postgres.url,
          redisUrl: cache === 'redis' ? redisServer.url : undefined,
          s3: s3.config,
          nginxWorkers: 1,
          accessLog: false,
          env: {
            LOG_LEVEL: 'warn',
            CACHE_ENABLED: cache === 'none' ? 'false' : 'true',
            GC_INTERVAL_SECONDS: '0',
            LOGIN_LIMIT_PER_ACCOUNT: '1000000',
            LOGIN_LIMIT_PER_ADDRESS: '1000000',
            ...(process.env.BENCH_CPU_PROF
              ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${path.resolve(process.env.BENCH_CPU_PROF)}` }
              : {}),
          },
          log: (source, line) => {
            if (!/"level":(40|30)/.test(line)) process.stderr.write(`[${source}] ${line}\n`);
          },
        });
        try {
          if (data === undefined) {
            const started = Date.now();
            data = await seed(cluster.url);
            console.log(
              `seeded a folder of ${FILES} files in ${((Date.now() - started) / 1000).toFixed(1)} s`,
            );
          }
          for (const workload of WORKLOADS) {
            await run(cluster, workload, data, CONNECTIONS[0] ?? 1, 2);
            const steps: Row[] = [];
            for (const connections of CONNECTIONS) {
              const row = await measure(cluster, workload, data, connections, instances, cache);
              steps.push(row);
              rows.push(row);
              console.log(table([row]).split('\n').at(-1));
              if (row.apiCores >= SATURATED_CORES) break;
            }
            const saturation =
              steps.find((step) => step.apiCores >= SATURATED_CORES) ??
              steps.reduce((busiest, step) => (step.apiCores > busiest.apiCores ? step : busiest));
            saturation.saturation = true;
          }
        } finally {
          await cluster.stop();
        }
      }
    }
    console.log(`\nEvery step:\n${table(rows)}`);
    const saturated = rows.filter((row) => row.saturation);
    console.log(
      `\nAt the load that saturates one core (the fewest connections at which the API processes use ${SATURATED_CORES} cores), target p99 < ${TARGET_P99_MS} ms:\n${table(saturated)}`,
    );
    for (const row of saturated)
      console.log(`${row.instances} × ${row.cache} ${row.workload}: ${verdict(row)}`);
    mkdirSync(path.dirname(RESULTS), { recursive: true });
    writeFileSync(
      RESULTS,
      `${JSON.stringify(
        {
          date: new Date().toISOString(),
          machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
          settings: {
            duration: DURATION,
            connections: CONNECTIONS,
            files: FILES,
            saturatedCores: SATURATED_CORES,
            targetP99Ms: TARGET_P99_MS,
          },
          rows,
        },
        null,
        2,
      )}\n`,
    );
    console.log(`results written to ${path.relative(process.cwd(), RESULTS)}`);
  } finally {
    await cleanUp();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});

/**
 * Load benchmark: the scaled-out topology (deploy/cluster.ts: nginx in front of N API processes on
 * PostgreSQL, Redis and an s3rver) driven by autocannon on loopback.
 *
 * Workloads, each through nginx with one user's token:
 *   listing   GET /api/v1/folders/<a folder of 1,000 files>?limit=1000
 *   page      GET /api/v1/folders/<the same folder> (its first page: 100 files, the default)
 *   metadata  GET /api/v1/files/<id>, cycling over the 1,000 files
 *   login     POST /api/v1/auth/login (argon2id on every request)
 * Configurations: 1 and 2 API instances × cache on Redis / the in-process cache of each instance
 * (no REDIS_URL) / no cache (CACHE_ENABLED=false).
 *
 * Environment:
 *   BENCH_DURATION     seconds per measured run (default 10), after a 2 s warm-up
 *   BENCH_CONNECTIONS  autocannon connections (default 16)
 *   BENCH_FILES        files in the listed folder (default 1000)
 *   BENCH_INSTANCES    e.g. "1,2" (default)
 *   BENCH_CACHES       e.g. "redis,memory,none" (default)
 *   BENCH_WORKLOADS    e.g. "listing,page,metadata,login" (default)
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
import { type Cluster, startCluster } from '../deploy/cluster.ts';
import { createPostgresDatabase, startPrivateRedis, startS3, tempDir } from '../server/test/services.ts';

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
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const FILES = Number(process.env.BENCH_FILES ?? 1000);
const INSTANCES = list('BENCH_INSTANCES', '1,2').map(Number);
const CACHES = list('BENCH_CACHES', 'redis,memory,none') as Cache[];
const WORKLOADS = list('BENCH_WORKLOADS', 'listing,page,metadata,login') as Workload[];
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
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  hitRatio: number | null;
  /** CPU time of the API processes over the run, in cores (1.0 = one core busy all the time). */
  apiCores: number;
  nginxCores: number;
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
  return autocannon({ url: cluster.url, connections: CONNECTIONS, duration: seconds, requests: [request] });
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
    'req/s',
    'p50 ms',
    'p99 ms',
    'errors',
    'hit ratio',
    'API cores',
    'nginx cores',
  ];
  const lines = rows.map((row) => [
    String(row.instances),
    row.cache,
    row.workload,
    row.requestsPerSecond.toFixed(0),
    String(row.p50),
    String(row.p99),
    String(row.errors + row.non2xx),
    row.hitRatio === null ? 'n/a' : `${(row.hitRatio * 100).toFixed(1)} %`,
    row.apiCores.toFixed(2),
    row.nginxCores.toFixed(2),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => line[column]?.length ?? 0)),
  );
  const format = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  return [format(header), format(widths.map((width) => '-'.repeat(width))), ...lines.map(format)].join('\n');
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
    const s3 = await startS3();
    cleanups.push(s3.close);
    const redisServer = await startPrivateRedis();
    cleanups.push(redisServer.stop);
    const redis = new Redis(redisServer.url);
    cleanups.push(async () => redis.disconnect());
    const dir = await tempDir('fileshare-load-');
    cleanups.push(dir.remove);

    console.log(
      `Fileshare load benchmark: ${DURATION} s per run, ${CONNECTIONS} connections, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), node ${process.version}`,
    );
    let data: Awaited<ReturnType<typeof seed>> | undefined;
    let shutdownErrors = 0;
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
            // Requests autocannon left behind when a run ended can still be in flight when the
            // cluster stops; counted, not printed (docs/benchmarks.md: a server shutdown issue).
            if (line.includes('Cannot use a pool after calling end on the pool')) shutdownErrors += 1;
            else if (!/"level":(40|30)/.test(line)) process.stderr.write(`[${source}] ${line}\n`);
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
            await run(cluster, workload, data, 2);
            const apiPids = cluster.instances.map((instance) => instance.child.pid);
            const nginxPids = [cluster.nginx.pid, ...childPids(cluster.nginx.pid)];
            const sum = (pids: (number | undefined)[]) =>
              pids.reduce<number>((total, pid) => total + cpuSeconds(pid), 0);
            const [hits0, misses0] = await redisHits(cache === 'redis' ? redis : undefined);
            const apiBefore = sum(apiPids);
            const nginxBefore = sum(nginxPids);
            const startedUs = monotonicUs();
            const result = await run(cluster, workload, data, DURATION);
            const endedUs = monotonicUs();
            const wall = (endedUs - startedUs) / 1e6;

            const [hits1, misses1] = await redisHits(cache === 'redis' ? redis : undefined);
            const lookups = hits1 - hits0 + (misses1 - misses0);
            const row: Row = {
              instances,
              cache,
              workload,
              requestsPerSecond: result.requests.average,
              p50: result.latency.p50,
              p99: result.latency.p99,
              errors: result.errors + result.timeouts,
              non2xx: result.non2xx,
              hitRatio:
                cache === 'redis' && workload !== 'login' && lookups > 0 ? (hits1 - hits0) / lookups : null,
              apiCores: (sum(apiPids) - apiBefore) / wall,
              nginxCores: (sum(nginxPids) - nginxBefore) / wall,
              startedUs,
              endedUs,
            };
            rows.push(row);
            console.log(table([row]).split('\n').at(-1));
          }
        } finally {
          await cluster.stop();
        }
      }
    }
    console.log(`\n${table(rows)}`);
    if (shutdownErrors > 0)
      console.log(
        `(${shutdownErrors} requests still in flight when a cluster stopped failed with a closed database pool)`,
      );
    mkdirSync(path.dirname(RESULTS), { recursive: true });
    writeFileSync(
      RESULTS,
      `${JSON.stringify(
        {
          date: new Date().toISOString(),
          machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version },
          settings: { duration: DURATION, connections: CONNECTIONS, files: FILES },
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

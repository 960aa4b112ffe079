/**
 * One measured load run, with the CPU that every process on the request's way used meanwhile (the
 * API instances, nginx, the PostgreSQL backends of the benchmark's database, its Redis) and the
 * cache's hit ratio from Redis's own counters.
 */
import type { Redis } from 'ioredis';
import type pg from 'pg';
import type { Cluster } from '../../deploy/start-cluster.ts';
import { cpuSeconds, monotonicUs, withChildren } from '../support/process-stats.ts';
import { type Cache, DURATION, type Workload } from './settings.ts';
import { drive, type Seeded } from './workloads.ts';

export interface Row {
  instances: number;
  cache: Cache;
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

/** The processes besides the cluster's that a run's CPU is read from. */
export interface Backing {
  /** A connection to the benchmark's database, to find the backends serving it. */
  monitor: pg.Client;
  redis: Redis;
  redisPid: number;
}

async function redisHits(redis: Redis | undefined): Promise<[number, number]> {
  if (redis === undefined) return [0, 0];
  const info = await redis.info('stats');
  const read = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
  return [read('keyspace_hits'), read('keyspace_misses')];
}

/** The process ids of the PostgreSQL backends connected to the benchmark's database. */
async function postgresBackends(client: pg.Client): Promise<number[]> {
  const { rows } = await client.query<{ pid: number }>(
    'select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
  );
  return rows.map((row) => row.pid);
}

export async function measureLoad(
  backing: Backing,
  cluster: Cluster,
  config: { instances: number; cache: Cache },
  workload: Workload,
  data: Seeded,
  connections: number,
): Promise<Row> {
  const { monitor, redisPid } = backing;
  const redis = config.cache === 'redis' ? backing.redis : undefined;
  const apiPids = cluster.instances.map((instance) => instance.child.pid);
  const nginxPids = withChildren(cluster.nginx.pid);
  const [hits0, misses0] = await redisHits(redis);
  const postgresBefore = new Map((await postgresBackends(monitor)).map((pid) => [pid, cpuSeconds([pid])]));
  const apiBefore = cpuSeconds(apiPids);
  const nginxBefore = cpuSeconds(nginxPids);
  const redisBefore = cpuSeconds([redisPid]);
  const startedUs = monotonicUs();
  const result = await drive(cluster, workload, data, connections, DURATION);
  const endedUs = monotonicUs();
  const wall = (endedUs - startedUs) / 1e6;
  const apiSeconds = cpuSeconds(apiPids) - apiBefore;
  // Backends that came and went during the run are missed; a pool keeps its connections while busy.
  const postgresSeconds = (await postgresBackends(monitor)).reduce(
    (total, pid) => total + cpuSeconds([pid]) - (postgresBefore.get(pid) ?? 0),
    0,
  );
  const [hits1, misses1] = await redisHits(redis);
  const lookups = hits1 - hits0 + (misses1 - misses0);
  const requests = result.requests.average * wall;
  return {
    ...config,
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
    hitRatio: redis !== undefined && workload !== 'login' && lookups > 0 ? (hits1 - hits0) / lookups : null,
    apiCores: apiSeconds / wall,
    nginxCores: (cpuSeconds(nginxPids) - nginxBefore) / wall,
    postgresCores: postgresSeconds / wall,
    redisCores: redis !== undefined ? (cpuSeconds([redisPid]) - redisBefore) / wall : 0,
    apiMsPerRequest: requests > 0 ? (apiSeconds * 1000) / requests : 0,
    saturation: false,
    startedUs,
    endedUs,
  };
}

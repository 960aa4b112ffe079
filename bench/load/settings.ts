/** The load benchmark's settings (BENCH_DURATION, BENCH_CONNECTIONS, …) and its target. */
import { list, positiveInt, positiveInts } from '../support/settings.ts';

/** download: the owner's own download of a small file; link-download: the same file through a public link. */
export const WORKLOAD_NAMES = ['listing', 'page', 'metadata', 'login', 'download', 'link-download'] as const;
export type Workload = (typeof WORKLOAD_NAMES)[number];
/**
 * redis: the shared cache. memory: no REDIS_URL, each instance its own in-process cache.
 * none: CACHE_ENABLED=false, every read answered by PostgreSQL.
 */
export const CACHE_NAMES = ['redis', 'memory', 'none'] as const;
export type Cache = (typeof CACHE_NAMES)[number];

/** Seconds per measured run, after a 2 s warm-up. */
export const DURATION = positiveInt('BENCH_DURATION', 10);
export const CONNECTIONS = positiveInts('BENCH_CONNECTIONS', '1,2,4,8,16,32');
/** Files in the listed folder. */
export const FILES = positiveInt('BENCH_FILES', 1000);
export const INSTANCES = positiveInts('BENCH_INSTANCES', '1,2');
export const CACHES = list('BENCH_CACHES', 'redis,none', CACHE_NAMES);
export const WORKLOADS = list('BENCH_WORKLOADS', 'listing,metadata,login', WORKLOAD_NAMES);

/** The API processes' CPU, in cores, at which a step counts as saturating one core. */
export const SATURATED_CORES = 0.9;
/** p99 at the load that saturates one core. */
export const TARGET_P99_MS = 50;

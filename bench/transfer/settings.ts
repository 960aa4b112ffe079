/** The transfer benchmark's own settings and targets. */
import { positiveInt } from '../support/settings.ts';

/** Parts of a session upload in flight at once (BENCH_PARALLEL). */
export const PARALLEL = positiveInt('BENCH_PARALLEL', 4);
/** Throughput of the API against nginx's, medians. */
export const TARGET_RATIO = 0.8;
/**
 * The API's CPU per GiB against nginx's: the simple upload (SHA-256 taken, flushed before the answer)
 * and the download. The session upload's is judged against the simple upload's (at most 1×).
 */
export const TARGET_CPU_RATIO = { upload: 1.5, download: 1.2 };
/** The API server's RSS growth during a 1 GiB transfer. */
export const TARGET_RSS_GROWTH_MIB = 100;
export const SAMPLE_INTERVAL_MS = 50;

/**
 * Load benchmark (`npm run bench:load`): the scaled-out topology (deploy/cluster.ts: nginx in front
 * of 1 or 2 API processes on PostgreSQL, Redis and an s3rver) driven by autocannon on loopback; is
 * the p99 under 50 ms at the load that saturates one core, and does the cache pay for itself.
 * See bench/README.md for the workloads and settings.
 */
import { stepToSaturation } from './load/step-to-saturation.ts';
import { runBenchmark } from './support/processes.ts';

runBenchmark(stepToSaturation);

/**
 * Footprint benchmark (`npm run bench:footprint`): the embedded default started as `npm start` runs
 * it, on a fresh data directory and on an existing one: time to ready, peak and idle memory, V8 heap,
 * threads, and the memory a large upload and download add. See bench/README.md.
 */
import { measureFootprint } from './footprint/measure.ts';
import { runBenchmark } from './support/processes.ts';

runBenchmark(measureFootprint);

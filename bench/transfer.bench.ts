/**
 * Transfer benchmark (`npm run bench:transfer`): a large file up and down through the API server
 * against nginx on the same machine, with curl as the one client, and the API server's memory while
 * it does it. With BENCH_S3=1, instead: the bytes the API process reads while a file goes to S3.
 * See bench/README.md for the settings and what it prints.
 */
import { runBenchmark } from './support/processes.ts';
import { flag } from './support/settings.ts';
import { compareWithNginx } from './transfer/nginx-comparison.ts';
import { measureS3 } from './transfer/s3.ts';

runBenchmark(flag('BENCH_S3') ? measureS3 : compareWithNginx);

import type { Logger } from 'pino';
import type { Config } from './config.ts';
import type { BlobStore } from './platform/blobs/blob-store.ts';
import type { Cache } from './platform/cache/cache.ts';
import type { RateLimiters } from './platform/cache/rate-limit.ts';
import type { DatabaseHandle } from './platform/database/database.ts';
import type { Metrics } from './platform/metrics/metrics.ts';
import type { Clock } from './shared/clock.ts';

/** The backing services the app is built from; `serve.ts` opens real ones, tests open real ones on temporary data. */
export interface Deps {
  config: Config;
  database: DatabaseHandle;
  cache: Cache;
  blobs: BlobStore;
  rateLimiters: RateLimiters;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
}

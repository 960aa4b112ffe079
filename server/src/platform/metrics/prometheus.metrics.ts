import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Metrics, Sample } from './metrics.ts';

/**
 * The process's instruments, through prom-client, in a registry of its own (several servers may
 * share a process, as the tests do). Counters are moved where the work happens; gauges read their
 * figure on scrape.
 */
export function createPrometheusMetrics(): Metrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    async scrape() {
      return { contentType: registry.contentType, text: await registry.metrics() };
    },
    httpRequests: new Counter({
      name: 'fileshare_http_requests_total',
      help: 'Requests answered, by matched route pattern, method and status class.',
      labelNames: ['route', 'method', 'status'] as const,
      registers,
    }),
    httpDuration: new Histogram({
      name: 'fileshare_http_request_duration_seconds',
      help: 'Time from a request arriving to its answer being sent, by matched route pattern and method.',
      labelNames: ['route', 'method'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    uploadedBytes: new Counter({
      name: 'fileshare_upload_bytes_total',
      help: 'File bytes received by the API (simple uploads, WebDAV PUT, session parts sent through the API).',
      registers,
    }),
    downloadedBytes: new Counter({
      name: 'fileshare_download_bytes_total',
      help: 'Bytes the API sent answering file downloads (single files and ranges; headers included).',
      registers,
    }),
    gcRuns: new Counter({
      name: 'fileshare_gc_runs_total',
      help: 'Garbage-collection passes this instance ran (not those skipped because another instance held the lock).',
      registers,
    }),
    gcRemoved: new Counter({
      name: 'fileshare_gc_removed_total',
      help: 'What garbage collection removed, by kind.',
      labelNames: ['kind'] as const,
      registers,
    }),
    cacheLookups: new Counter({
      name: 'fileshare_cache_lookups_total',
      help: 'Cache reads, by result (hit or miss).',
      labelNames: ['result'] as const,
      registers,
    }),
    /** A gauge whose figures `read` gives when scraped. */
    gauge(name: string, help: string, labelNames: string[], read: () => Promise<Sample> | Sample) {
      new Gauge({
        name,
        help,
        labelNames,
        registers,
        async collect() {
          this.reset();
          for (const { labels, value } of await read()) {
            if (labels === undefined) this.set(value);
            else this.set(labels, value);
          }
        },
      });
    },
  };
}

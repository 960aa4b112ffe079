/** What a gauge collected at scrape time reads: a figure per label set, or nothing to report. */
export type Sample = { labels?: Record<string, string>; value: number }[];

/** A counter whose series are told apart by the labels `L`. */
export interface LabelledCounter<L extends string> {
  inc(labels: Record<L, string>, value?: number): void;
}
export interface PlainCounter {
  inc(value?: number): void;
}
export interface LabelledHistogram<L extends string> {
  observe(labels: Record<L, string>, value: number): void;
}

/** The instruments the server moves as it works, and what a scrape of `GET /metrics` reads. */
export interface Metrics {
  httpRequests: LabelledCounter<'route' | 'method' | 'status'>;
  httpDuration: LabelledHistogram<'route' | 'method'>;
  uploadedBytes: PlainCounter;
  downloadedBytes: PlainCounter;
  gcRuns: PlainCounter;
  gcRemoved: LabelledCounter<'kind'>;
  cacheLookups: LabelledCounter<'result'>;
  /** A gauge whose figures `read` gives when scraped. */
  gauge(name: string, help: string, labelNames: string[], read: () => Promise<Sample> | Sample): void;
  /** The exposition a scrape is answered with. */
  scrape(): Promise<{ contentType: string; text: string }>;
}

/**
 * The instruments of a server whose metrics are off (the default): every count is dropped where it
 * is made, and the metrics library is never loaded (1.5 MiB of heap, and two label lookups per
 * request).
 */
function createUncountedMetrics(): Metrics {
  const counter = { inc() {} };
  return {
    httpRequests: counter,
    httpDuration: { observe() {} },
    uploadedBytes: counter,
    downloadedBytes: counter,
    gcRuns: counter,
    gcRemoved: counter,
    cacheLookups: counter,
    gauge() {},
    scrape: async () => ({ contentType: 'text/plain; version=0.0.4; charset=utf-8', text: '' }),
  };
}

/** Counted through prom-client when metrics are on (`METRICS`, `METRICS_TOKEN`), else dropped. */
export async function createMetrics(enabled: boolean): Promise<Metrics> {
  if (!enabled) return createUncountedMetrics();
  const { createPrometheusMetrics } = await import('./prometheus.metrics.ts');
  return createPrometheusMetrics();
}

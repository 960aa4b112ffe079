import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGarbageCollector } from '../src/features/gc/garbage-collector.ts';
import { createServices } from '../src/services.ts';
import { signUp, uniqueName } from './client.ts';
import { driverSets, startServer, type TestServer } from './harness.ts';
import { startUpload } from './uploads-client.ts';

const TOKEN = 'metrics-secret-for-the-tests';

interface Series {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format, strictly: every line a comment, blank, or `name{labels} value`. */
function parse(text: string): Series[] {
  const series: Series[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('# HELP ') || line.startsWith('# TYPE ')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null) throw new Error(`not a metrics line: ${line}`);
    const labels: Record<string, string> = {};
    const labelText = match[2] ?? '';
    const rest = labelText.replace(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g, (_all, key, value) => {
      labels[key] = value;
      return '';
    });
    if (rest !== '') throw new Error(`bad labels: ${line}`);
    const value = Number(match[3]);
    if (Number.isNaN(value) && match[3] !== 'NaN') throw new Error(`bad value: ${line}`);
    series.push({ name: match[1] ?? '', labels, value });
  }
  return series;
}

async function scrape(server: TestServer): Promise<Series[]> {
  const response = await fetch(`${server.origin}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parse(await response.text());
}

/** The sum of a metric's series whose labels include `labels`. */
function total(series: Series[], name: string, labels: Record<string, string> = {}): number {
  return series
    .filter((s) => s.name === name && Object.entries(labels).every(([key, value]) => s.labels[key] === value))
    .reduce((sum, s) => sum + s.value, 0);
}

describe.each(driverSets())('metrics (%s)', (set) => {
  it('are not served unless turned on', async () => {
    const server = await startServer(set);
    try {
      expect((await fetch(`${server.origin}/metrics`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  describe('behind a token', () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startServer(set, { env: { METRICS_TOKEN: TOKEN } });
    });
    afterAll(() => server.close());

    it('refuses a scrape without the token, or with another one', async () => {
      const bare = await fetch(`${server.origin}/metrics`);
      expect(bare.status).toBe(401);
      expect(bare.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect((await bare.json()).error.code).toBe('unauthenticated');
      const wrong = await fetch(`${server.origin}/metrics`, { headers: { authorization: 'Bearer nope' } });
      expect(wrong.status).toBe(401);
    });

    it('count uploads by their size and downloads by route pattern, never by id', async () => {
      const { api } = await signUp(server, uniqueName());
      const data = randomBytes(12_345);
      const before = await scrape(server);
      const node = await (await api.upload('root', 'counted.bin', data)).json();
      const download = await api.request('GET', `/files/${node.id}/content`);
      expect(Buffer.from(await download.arrayBuffer()).equals(data)).toBe(true);
      const after = await scrape(server);

      const uploaded =
        total(after, 'fileshare_upload_bytes_total') - total(before, 'fileshare_upload_bytes_total');
      expect(uploaded).toBe(data.length);
      const downloaded =
        total(after, 'fileshare_download_bytes_total') - total(before, 'fileshare_download_bytes_total');
      expect(downloaded).toBeGreaterThanOrEqual(data.length);
      expect(downloaded).toBeLessThan(data.length + 4096);

      const route = { route: '/api/v1/files/:id/content', method: 'GET', status: '2xx' };
      expect(total(after, 'fileshare_http_requests_total', route)).toBe(
        total(before, 'fileshare_http_requests_total', route) + 1,
      );
      const latency = { route: route.route, method: 'GET' };
      expect(total(after, 'fileshare_http_request_duration_seconds_count', latency)).toBe(
        total(before, 'fileshare_http_request_duration_seconds_count', latency) + 1,
      );
      expect(after.some((s) => Object.values(s.labels).some((value) => value.includes(node.id)))).toBe(false);
      expect(total(after, 'fileshare_cache_lookups_total')).toBeGreaterThan(
        total(before, 'fileshare_cache_lookups_total'),
      );
    });

    it('show the open upload sessions, the collector’s runs and the database pool', async () => {
      const { api } = await signUp(server, uniqueName());
      const open = { status: 'open' };
      const before = await scrape(server);
      await startUpload(api, { name: 'pending.bin', size: 1000 });
      await createGarbageCollector(server.deps, createServices(server.deps)).run();
      const after = await scrape(server);
      expect(total(after, 'fileshare_upload_sessions_open', open)).toBe(
        total(before, 'fileshare_upload_sessions_open', open) + 1,
      );
      expect(total(after, 'fileshare_gc_runs_total')).toBe(total(before, 'fileshare_gc_runs_total') + 1);
      const pool = after.filter((s) => s.name === 'fileshare_database_pool_connections');
      if (set === 'services') {
        expect(total(pool, 'fileshare_database_pool_connections', { state: 'total' })).toBeGreaterThan(0);
        expect(pool.map((s) => s.labels.state).sort()).toEqual(['idle', 'total', 'waiting']);
      } else expect(pool).toEqual([]);
    });
  });
});

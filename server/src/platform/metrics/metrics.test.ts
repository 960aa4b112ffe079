import { execFileSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const METRICS = pathToFileURL(new URL('./metrics.ts', import.meta.url).pathname).href;

/** Makes the instruments in a fresh node process, moves a few, and says which files it loaded. */
function countInFreshProcess(enabled: boolean) {
  const script = `
    import { registerHooks } from 'node:module';
    const loaded = [];
    registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
    const { createMetrics } = await import(${JSON.stringify(METRICS)});
    const metrics = await createMetrics(${enabled});
    metrics.httpRequests.inc({ route: '/files/:id', method: 'GET', status: '200' });
    metrics.uploadedBytes.inc(4096);
    const { text } = await metrics.scrape();
    console.log(JSON.stringify({ library: loaded.filter((url) => url.includes('/prom-client/')).length, text }));
  `;
  return JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }),
  ) as { library: number; text: string };
}

describe('metrics', () => {
  it('turned off, drop every count where it is made, and never load the metrics library', () => {
    const off = countInFreshProcess(false);
    expect(off.library).toBe(0);
    expect(off.text).toBe('');
  });

  it('turned on, count through the library, which a scrape reads', () => {
    const on = countInFreshProcess(true);
    expect(on.library).toBeGreaterThan(0);
    expect(on.text).toMatch(/^fileshare_http_requests_total\{[^}]*route="\/files\/:id"[^}]*\} 1$/m);
    expect(on.text).toMatch(/^fileshare_upload_bytes_total 4096$/m);
  });
});

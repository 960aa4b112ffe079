/**
 * An upload through the web client in Chromium: the "Upload files" button, the file picked in its
 * chooser, timed by the page's clock until the upload shows as done and the file is listed; where
 * the time went comes from the page's resource timings.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { BenchError } from '../support/processes.ts';
import { fmt } from '../support/report.ts';

export async function signIn(page: Page, username: string, password: string) {
  await page.goto('/login');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Upload files' }).waitFor();
}

/** Where a page upload's time went (seconds), from the page's resource timings of its requests. */
export interface PagePhases {
  /** From choosing the file to the request that opens the session. */
  startSeconds: number;
  /** POST /uploads. */
  createSeconds: number;
  /** From the first part's request to the last part's answer. */
  partsSeconds: number;
  partCount: number;
  /** The slowest part, request to answer. */
  slowestPartSeconds: number;
  /** POST /uploads/<id>/complete. */
  completeSeconds: number;
  /** From the answer of complete until the page showed the upload done and the file listed. */
  listedSeconds: number;
}

export function describePhases(p: PagePhases): string {
  return (
    `to the session ${fmt(p.startSeconds, 2)} s, create ${fmt(p.createSeconds, 2)} s,` +
    ` ${p.partCount} parts ${fmt(p.partsSeconds, 2)} s (slowest ${fmt(p.slowestPartSeconds, 2)} s),` +
    ` complete ${fmt(p.completeSeconds, 2)} s, until listed ${fmt(p.listedSeconds, 2)} s`
  );
}

/** The page's resource timings of its upload requests since `since` (the page's clock, ms). */
function uploadRequests(page: Page, since: number) {
  return page.evaluate(
    (since) =>
      performance
        .getEntriesByType('resource')
        .filter((entry) => entry.startTime >= since && /\/api\/v1\/uploads/.test(entry.name))
        .map((entry) => ({
          path: new URL(entry.name).pathname,
          start: entry.startTime,
          end: (entry as PerformanceResourceTiming).responseEnd,
        })),
    since,
  );
}

function pagePhases(
  requests: { path: string; start: number; end: number }[],
  pickedAt: number,
  listedAt: number,
): PagePhases {
  const create = requests.find((r) => r.path.endsWith('/uploads'));
  const complete = requests.find((r) => r.path.endsWith('/complete'));
  const parts = requests.filter((r) => /\/parts\/\d+$/.test(r.path));
  if (create === undefined || complete === undefined || parts.length === 0) {
    throw new BenchError(`the page's upload requests are not all there: ${JSON.stringify(requests)}`);
  }
  const s = (ms: number) => Number((ms / 1000).toFixed(3));
  const partsStart = Math.min(...parts.map((r) => r.start));
  const partsEnd = Math.max(...parts.map((r) => r.end));
  return {
    startSeconds: s(create.start - pickedAt),
    createSeconds: s(create.end - create.start),
    partsSeconds: s(partsEnd - partsStart),
    partCount: parts.length,
    slowestPartSeconds: s(Math.max(...parts.map((r) => r.end - r.start))),
    completeSeconds: s(complete.end - complete.start),
    listedSeconds: s(listedAt - complete.end),
  };
}

/** Uploads `file` through the page; its name must be new to the folder. */
export async function uploadThroughPage(page: Page, file: string, timeoutMs: number) {
  const name = path.basename(file);
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Upload files' }).click();
  const picked = await chooser;
  // Room for every part's timing (the default buffer holds 250 entries).
  const pickedAt = await page.evaluate(() => {
    performance.clearResourceTimings();
    performance.setResourceTimingBufferSize(100_000);
    return performance.now();
  });
  // Watched in the page as its DOM changes: a locator's waitFor polls every 500 ms after a second,
  // and polling on every frame would add work to the page being measured.
  const watch = await page.evaluateHandle((name) => {
    const row = `[data-testid="upload-row"][aria-label="Upload of ${CSS.escape(name)}"]`;
    const listed = `[data-testid="node-row"][data-name="${CSS.escape(name)}"]`;
    const outcome = new Promise<{ failed: string | null; at: number }>((resolve) => {
      const observer = new MutationObserver(() => {
        const status = document.querySelector(row)?.getAttribute('data-status');
        if (status === 'failed') resolve({ failed: document.querySelector(row)?.textContent ?? '', at: 0 });
        else if (status === 'done' && document.querySelector(listed) !== null)
          resolve({ failed: null, at: performance.now() });
        else return;
        observer.disconnect();
      });
      observer.observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    return { outcome };
  }, name);
  await picked.setFiles(file);
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([
    watch.evaluate((w) => w.outcome),
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new BenchError(`the page's upload of ${name} did not finish in ${timeoutMs / 1000} s`)),
        timeoutMs,
      );
    }),
  ]).finally(() => clearTimeout(timer));
  if (result.failed !== null) throw new BenchError(`the page's upload of ${name} failed: ${result.failed}`);
  const seconds = (result.at - pickedAt) / 1000;
  const phases = pagePhases(await uploadRequests(page, pickedAt), pickedAt, result.at);
  return { seconds, phases };
}

import { randomBytes } from 'node:crypto';
import type { Request } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { chooseFiles, MiB, setUpDrive, signIn, signOut, signUp } from './drive-page.ts';

const drive = setUpDrive();

describe('signing out with uploads in flight', () => {
  test('stops the transfers and leaves nothing for the next account in the tab', async () => {
    const { page, browser, server } = drive;
    const other = await browser.newContext({ baseURL: server.url });
    await signUp(await other.newPage(), 'grace');
    await other.close();

    await signUp(page, 'frank');
    // Parts are held on their way to the server, so they are in flight at sign-out.
    await page.route('**/api/v1/uploads/*/parts/*', () => {});
    const parts: Request[] = [];
    const outcomes = new Map<Request, string>();
    page.on('request', (request) => {
      if (request.method() === 'PUT' && request.url().includes('/parts/')) parts.push(request);
    });
    page.on('requestfinished', (request) => outcomes.set(request, 'finished'));
    page.on('requestfailed', (request) => outcomes.set(request, request.failure()?.errorText ?? 'failed'));
    await chooseFiles(page, drive.filesDir, 'Upload files', [
      { name: 'first.bin', buffer: randomBytes(24 * MiB) },
      { name: 'second.bin', buffer: randomBytes(24 * MiB) },
    ]);
    // expect.poll gives up after 1 s by default: on a busy machine the first part can take longer.
    await expect.poll(() => parts.length, { timeout: 15_000 }).toBeGreaterThan(0);

    await signOut(page, 'frank');
    // Every part under way was dropped by the page.
    await expect.poll(() => parts.every((part) => outcomes.has(part)), { timeout: 15_000 }).toBe(true);
    const sent = parts.length;
    expect(parts.map((part) => outcomes.get(part)).every((outcome) => /abort/i.test(outcome ?? ''))).toBe(
      true,
    );

    await signIn(page, 'grace');
    // Coming back online is when failed uploads restart: nothing of frank's may.
    await page.evaluate(() => window.dispatchEvent(new Event('online')));
    await page.getByTestId('empty-folder').waitFor();
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(parts.length).toBe(sent);
    await expect(page.getByRole('region', { name: 'Uploads' }).count()).resolves.toBe(0);
    const uploads = (await (await page.request.get('/api/v1/uploads')).json()) as { uploads: unknown[] };
    expect(uploads.uploads).toEqual([]);

    // frank's sessions stay his, to continue when he is back.
    await signOut(page, 'grace');
    await page.unrouteAll({ behavior: 'ignoreErrors' });
    await signIn(page, 'frank');
    await page.getByRole('region', { name: 'Uploads' }).waitFor();
    await expect(page.locator('[data-testid="upload-row"][data-status="needs-file"]').count()).resolves.toBe(
      2,
    );
  });
});

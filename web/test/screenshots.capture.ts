import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, test } from 'vitest';
import { launchBrowser, startServer, type TestServer } from './harness.ts';

// Refreshes docs/screenshots/ (shown in the README): `npm run screenshots -w web`. Not a test: it
// asserts nothing, so the test run leaves it out (see vitest.config.ts).
const outDir = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

const sizes = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
} as const;

let server: TestServer;
let browser: Browser;

describe('screenshots of the main screens', () => {
  beforeAll(async () => {
    await mkdir(outDir, { recursive: true });
    server = await startServer();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function seed(page: Page) {
    await page.goto('/signup');
    await page.getByLabel('Username').fill('alice');
    await page.getByLabel(/^Password/).fill('correct horse battery staple');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByRole('button', { name: 'Upload files' }).waitFor();
    for (const name of ['Documents', 'Photos', 'Projects']) {
      await page.request.post('/api/v1/folders', {
        data: { parentId: 'root', name },
        headers: { origin: server.url },
      });
    }
    const files: [string, string, number][] = [
      ['Quarterly report.pdf', 'application/pdf', 180_000],
      ['holiday.jpg', 'image/jpeg', 2_400_000],
      ['notes.md', 'text/markdown', 4_000],
      ['backup.zip', 'application/zip', 5_300_000],
    ];
    for (const [name, type, size] of files) {
      await page.request.put(`/api/v1/folders/root/files/${encodeURIComponent(name)}`, {
        data: Buffer.alloc(size, 1),
        headers: { 'content-type': type, origin: server.url },
      });
    }
  }

  test('light and dark, desktop and phone', async () => {
    const seeder = await browser.newContext({ baseURL: server.url });
    await seed(await seeder.newPage());
    const state = await seeder.storageState();
    await seeder.close();

    for (const scheme of ['light', 'dark'] as const) {
      for (const [device, viewport] of Object.entries(sizes)) {
        const anonymous = await browser.newContext({ baseURL: server.url, viewport, colorScheme: scheme });
        const login = await anonymous.newPage();
        await login.goto('/login');
        await login.getByRole('button', { name: 'Sign in' }).waitFor();
        await login.screenshot({ path: `${outDir}/login-${device}-${scheme}.png` });
        await anonymous.close();

        const context = await browser.newContext({
          baseURL: server.url,
          viewport,
          colorScheme: scheme,
          storageState: state,
        });
        const page = await context.newPage();
        await page.goto('/');
        await page.locator('[data-testid="node-row"]').nth(6).waitFor();
        await page.screenshot({ path: `${outDir}/files-${device}-${scheme}.png` });
        await page.goto('/account');
        await page.getByTestId('session-row').first().waitFor();
        await page.screenshot({ path: `${outDir}/account-${device}-${scheme}.png` });
        await context.close();
      }
    }
  });
});

import { randomBytes } from 'node:crypto';
import type { BrowserContext, Page } from 'playwright-core';
import { afterEach, beforeAll, describe, expect, test } from 'vitest';
import { row, setUpDrive, signUp } from './drive-page.ts';
import { clickDownload, createLink, openShareDialog, putFile, sameSite, stranger } from './share-page.ts';

const drive = setUpDrive();
let page: Page;
let anonymous: BrowserContext;
const report = randomBytes(300_000);

beforeAll(async () => {
  page = drive.page;
  await signUp(page, 'olga');
  await putFile(page, 'root', 'report.bin', report);
  await page.reload();
  await row(page, 'report.bin').waitFor();
});

afterEach(async () => {
  await anonymous?.close();
});

const newStranger = async () => {
  anonymous = await drive.browser.newContext({ baseURL: drive.server.url, acceptDownloads: true });
  return anonymous;
};

describe('links to a file', () => {
  test('the address is shown once; someone without an account sees the file', async () => {
    await openShareDialog(page, 'report.bin');
    const url = await createLink(page);
    const dialog = page.getByRole('dialog');
    await page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await dialog.getByRole('button', { name: 'Copy link' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(url);
    await expect.poll(() => dialog.getByTestId('share-item').count()).toBe(1);
    await expect(dialog.getByTestId('share-item').first().textContent()).resolves.toContain('Active');

    // After “New link” the address is gone for good: only its hash is kept.
    await dialog.getByRole('button', { name: 'New link' }).click();
    await expect(dialog.getByLabel('Link address').count()).resolves.toBe(0);
    await page.keyboard.press('Escape');

    const p = await stranger(await newStranger(), url);
    await p.getByRole('heading', { name: 'report.bin', exact: true }).waitFor();
    await p.getByText('293 KB').waitFor();
    expect((await clickDownload(p, p.getByRole('link', { name: 'Download' }))).equals(report)).toBe(true);
  });

  test('a password is asked for, a wrong one refused, the right one opens the link', async () => {
    await openShareDialog(page, 'report.bin');
    const url = await createLink(page, { password: 'open sesame' });
    await page.keyboard.press('Escape');

    const p = await stranger(await newStranger(), url);
    await p.getByRole('heading', { name: /is protected/ }).waitFor();
    expect(await p.getByRole('link', { name: 'Download' }).count()).toBe(0);
    await p.getByLabel('Password', { exact: true }).fill('not it');
    await p.getByRole('button', { name: 'Unlock' }).click();
    await p.getByRole('alert').waitFor();
    await p.getByLabel('Password', { exact: true }).fill('open sesame');
    await p.getByRole('button', { name: 'Unlock' }).click();
    await p.getByRole('heading', { name: 'report.bin', exact: true }).waitFor();
    // The grant is a cookie: a reload stays unlocked.
    await p.reload();
    await p.getByRole('link', { name: 'Download' }).waitFor();
  });

  test('an expired link and a revoked one are the same dead page as an unknown one', async () => {
    const { id: nodeId } = (await (await page.request.get('/api/v1/folders/root')).json()).children.find(
      (child: { name: string }) => child.name === 'report.bin',
    );
    const response = await page.request.post('/api/v1/shares', {
      data: { nodeId, kind: 'link', expiresAt: new Date(Date.now() + 3000).toISOString() },
      headers: sameSite(page),
    });
    expect(response.status()).toBe(201);
    const { url } = (await response.json()) as { url: string };
    const p = await stranger(await newStranger(), url);
    await p.getByRole('heading', { name: 'report.bin', exact: true }).waitFor();
    await new Promise((resolve) => setTimeout(resolve, 3500));
    await p.reload();
    await p.getByTestId('dead-link').waitFor();

    await p.goto('/s/this-link-was-never-made');
    await p.getByTestId('dead-link').waitFor();

    await page.goto('/shared');
    const expired = page.locator('[data-testid="share-item"][data-status="expired"]');
    await expired.waitFor();
    const active = page.locator('[data-testid="share-item"][data-status="active"]');
    const before = await active.count();
    await active.first().getByRole('button', { name: 'Revoke' }).click();
    await active.first().getByRole('button', { name: 'Confirm revoke' }).click();
    await expect.poll(() => active.count()).toBe(before - 1);
  });

  test('a link with a download limit is dead once it is used up', async () => {
    await page.goto('/');
    await openShareDialog(page, 'report.bin');
    const url = await createLink(page, { maxDownloads: 1 });
    await page.keyboard.press('Escape');
    const p = await stranger(await newStranger(), url);
    expect((await clickDownload(p, p.getByRole('link', { name: 'Download' }))).equals(report)).toBe(true);
    await p.reload();
    await p.getByTestId('dead-link').waitFor();
    await page.goto('/shared');
    await page
      .locator('[data-testid="share-item"][data-status="exhausted"]')
      .getByText('1 download of 1')
      .waitFor();
  });

  test('the public page fits a phone screen, in the dark theme too', async () => {
    await page.goto('/');
    await openShareDialog(page, 'report.bin');
    const url = await createLink(page);
    await page.keyboard.press('Escape');
    anonymous = await drive.browser.newContext({
      baseURL: drive.server.url,
      viewport: { width: 360, height: 740 },
      colorScheme: 'dark',
    });
    const p = await anonymous.newPage();
    const refused: string[] = [];
    p.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) refused.push(message.text());
    });
    await p.goto(url);
    await p.getByRole('link', { name: 'Download' }).waitFor();
    expect(await p.evaluate(() => document.documentElement.dataset.mantineColorScheme)).toBe('dark');
    const overflow = () =>
      p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await p.getByRole('button', { name: 'Use light theme' }).click();
    expect(await p.evaluate(() => document.documentElement.dataset.mantineColorScheme)).toBe('light');
    await p.goto('/s/not-a-link');
    await p.getByTestId('dead-link').waitFor();
    expect(await overflow()).toBeLessThanOrEqual(0);
    expect(refused, 'the strict policy holds on the public page').toEqual([]);
  });

  test('the owner reads who used a link in its access log', async () => {
    await page.goto('/shared');
    const item = page.locator('[data-testid="share-item"][data-status="expired"]');
    await item.getByRole('button', { name: 'Access log' }).click();
    await item.locator('[data-testid="share-event"][data-action="view"]').first().waitFor();
    await expect(item.getByRole('table', { name: 'Access log' }).textContent()).resolves.toContain(
      '127.0.0.1',
    );
  });
});

import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { listFolder, row, setUpDrive, signUp } from './drive-page.ts';

const drive = setUpDrive();

/** The row that has the focus, by name, and whether its focus ring shows. */
const focusedRow = (p: Page) =>
  p.evaluate(() => {
    const active = document.activeElement as HTMLElement | null;
    if (active?.dataset.testid !== 'node-row') return null;
    return { name: active.dataset.name, ring: getComputedStyle(active).outlineStyle !== 'none' };
  });

const selectedRows = (p: Page) =>
  p
    .locator('[data-testid="node-row"][aria-selected="true"]')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name')));

describe('the file list by keyboard alone', () => {
  test('opens a folder, renames, selects two files and trashes them', async () => {
    const { page, server } = drive;
    await signUp(page, 'erin');
    const headers = { origin: server.url };
    const folder = await (
      await page.request.post('/api/v1/folders', { data: { parentId: 'root', name: 'Reports' }, headers })
    ).json();
    for (const name of ['a.txt', 'b.txt', 'c.txt']) {
      const put = await page.request.put(`/api/v1/folders/${folder.id}/files/${name}`, {
        data: Buffer.from(name),
        headers,
      });
      expect(put.ok()).toBe(true);
    }
    await page.goto('/');
    await row(page, 'Reports').waitFor();

    // Tab from the top of the page reaches the list: one row is in the tab order.
    await page.locator('body').focus();
    for (let i = 0; i < 30 && (await focusedRow(page)) === null; i++) await page.keyboard.press('Tab');
    expect(await focusedRow(page)).toEqual({ name: 'Reports', ring: true });

    await page.keyboard.press('Enter');
    await page.waitForURL(`**/folders/${folder.id}`);
    await row(page, 'a.txt').waitFor();
    await expect.poll(() => focusedRow(page)).toEqual({ name: 'a.txt', ring: true });

    await page.keyboard.press('End');
    expect((await focusedRow(page))?.name).toBe('c.txt');
    await page.keyboard.press('F2');
    await page.getByLabel('New name').fill('c-renamed.txt');
    await page.keyboard.press('Enter');
    await row(page, 'c-renamed.txt').waitFor();
    await expect.poll(() => focusedRow(page)).toEqual({ name: 'c-renamed.txt', ring: true });

    await page.keyboard.press('Control+a');
    await page.getByText('3 selected').waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => selectedRows(page)).toEqual([]);

    await page.keyboard.press('Home');
    await page.keyboard.press('Space');
    await page.keyboard.press('Shift+ArrowDown');
    await page.getByText('2 selected').waitFor();
    expect(await selectedRows(page)).toEqual(['a.txt', 'b.txt']);
    expect((await focusedRow(page))?.name).toBe('b.txt');

    await page.keyboard.press('Delete');
    await row(page, 'a.txt').waitFor({ state: 'detached' });
    await row(page, 'b.txt').waitFor({ state: 'detached' });
    // The focus stays in the list, on the row that took their place.
    await expect.poll(() => focusedRow(page)).toEqual({ name: 'c-renamed.txt', ring: true });
    expect((await listFolder(page, folder.id)).children.map((child) => child.name)).toEqual([
      'c-renamed.txt',
    ]);
    const trash = (await (await page.request.get('/api/v1/trash')).json()) as { items: { name: string }[] };
    expect(trash.items.map((item) => item.name).sort()).toEqual(['a.txt', 'b.txt']);

    // The notice offers to undo.
    await page.getByRole('button', { name: 'Undo' }).click();
    await row(page, 'a.txt').waitFor();
    await row(page, 'b.txt').waitFor();
  });
});

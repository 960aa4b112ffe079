import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, test } from 'vitest';
import { row, setUpDrive, signUp } from './drive-page.ts';

const drive = setUpDrive();
let page: Page;
const ids = { reports: '', year: '', summary: '' };

const headers = () => ({ origin: drive.server.url });

async function makeFolder(parentId: string, name: string) {
  const response = await page.request.post('/api/v1/folders', {
    data: { parentId, name },
    headers: headers(),
  });
  expect(response.ok()).toBe(true);
  return ((await response.json()) as { id: string }).id;
}

async function putFile(folderId: string, name: string) {
  const response = await page.request.put(`/api/v1/folders/${folderId}/files/${encodeURIComponent(name)}`, {
    data: Buffer.from(`the bytes of ${name}`),
    headers: headers(),
  });
  expect(response.ok()).toBe(true);
  return ((await response.json()) as { id: string }).id;
}

const searchBox = () => page.getByRole('combobox', { name: 'Search files' });
const hit = (name: string) => page.locator(`[data-testid="search-hit"][data-name="${name}"]`);
const foundRow = (name: string) => page.locator(`[data-testid="found-row"][data-name="${name}"]`);
const foundNames = () =>
  page.getByTestId('found-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-name')));

beforeAll(async () => {
  page = drive.page;
  await signUp(page, 'sasha');
  ids.reports = await makeFolder('root', 'Reports');
  ids.year = await makeFolder(ids.reports, '2024');
  ids.summary = await putFile(ids.year, 'Été Résumé.txt');
  await putFile('root', 'notes.txt');
});

describe('finding files', () => {
  test('an uppercase, unaccented query finds the file with its path, asking once typing pauses', async () => {
    await page.goto('/');
    const asked: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname === '/api/v1/search') asked.push(url.searchParams.get('q') ?? '');
    });
    await searchBox().pressSequentially('ETE RESUME', { delay: 20 });
    await hit('Été Résumé.txt').waitFor();
    await expect(hit('Été Résumé.txt').getByTestId('search-hit-location').textContent()).resolves.toBe(
      'My files / Reports / 2024',
    );
    expect(await hit('notes.txt').count()).toBe(0);
    // Ten keystrokes, each well inside the pause: asked for the whole text, not for each letter.
    expect(asked.at(-1)).toBe('ETE RESUME');
    expect(asked.length).toBeLessThanOrEqual(2);

    // Down, Enter: the folder holding it opens with the file selected and focused.
    await page.keyboard.press('ArrowDown');
    await expect(hit('Été Résumé.txt').getAttribute('data-combobox-selected')).resolves.toBe('true');
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/folders/${ids.year}?highlight=${ids.summary}`);
    await expect.poll(() => row(page, 'Été Résumé.txt').getAttribute('aria-selected')).toBe('true');
    await expect
      .poll(() => page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.name))
      .toBe('Été Résumé.txt');
    await expect(searchBox().inputValue()).resolves.toBe('');
  });

  test('arrows move through the hits, Escape closes the list and then empties the box', async () => {
    await page.goto('/');
    await searchBox().fill('2024');
    await hit('2024').waitFor();
    await expect(hit('2024').getByTestId('search-hit-location').textContent()).resolves.toBe(
      'My files / Reports',
    );
    await page.keyboard.press('Escape');
    await page.getByRole('listbox').waitFor({ state: 'hidden' });
    await page.keyboard.press('Escape');
    await expect(searchBox().inputValue()).resolves.toBe('');

    await searchBox().fill('report');
    await hit('Reports').waitFor();
    // Down to the folder, down to "See all results", up again: Enter opens the folder itself.
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await expect(
      page.getByRole('option', { name: /See all results/ }).getAttribute('data-combobox-selected'),
    ).resolves.toBe('true');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/folders/${ids.reports}`);
    await row(page, '2024').waitFor();
  });

  test('Ctrl+K reaches the box, and a click on a hit opens it', async () => {
    await page.goto('/recent');
    await page.getByTestId('found-row').first().waitFor();
    await page.keyboard.press('Control+k');
    await expect(searchBox().evaluate((input) => input === document.activeElement)).resolves.toBe(true);
    await page.keyboard.type('notes');
    await hit('notes.txt').click();
    await page.waitForURL(/\/\?highlight=/);
    await expect.poll(() => row(page, 'notes.txt').getAttribute('aria-selected')).toBe('true');
  });

  test('Enter with no hit chosen shows every result', async () => {
    await page.goto('/');
    await searchBox().fill('e');
    await hit('notes.txt').waitFor();
    await page.keyboard.press('Enter');
    await page.waitForURL('**/search?q=e');
    await foundRow('notes.txt').waitFor();
    await foundRow('Été Résumé.txt').waitFor();
    await expect(foundRow('Été Résumé.txt').getByTestId('found-location').textContent()).resolves.toBe(
      'My files / Reports / 2024',
    );
  });

  test('a star from the file menu shows under Starred, and unstarring there takes it away', async () => {
    await page.goto(`/folders/${ids.year}`);
    const star = row(page, 'Été Résumé.txt').getByRole('button', { name: 'Star Été Résumé.txt' });
    await expect(star.getAttribute('aria-pressed')).resolves.toBe('false');
    await row(page, 'Été Résumé.txt').getByLabel('Actions for Été Résumé.txt').click();
    await page.getByRole('menuitem', { name: 'Star', exact: true }).click();
    await expect
      .poll(() => row(page, 'Été Résumé.txt').getByRole('button', { name: 'Unstar Été Résumé.txt' }).count())
      .toBe(1);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Starred' }).click();
    await page.waitForURL('**/starred');
    await foundRow('Été Résumé.txt').waitFor();
    await expect(foundRow('Été Résumé.txt').getByTestId('found-location').textContent()).resolves.toBe(
      'My files / Reports / 2024',
    );
    const starred = (await (await page.request.get('/api/v1/starred')).json()) as { items: unknown[] };
    expect(starred.items).toHaveLength(1);

    await foundRow('Été Résumé.txt').getByRole('button', { name: 'Unstar Été Résumé.txt' }).click();
    await page.getByTestId('found-empty').waitFor();
    const after = (await (await page.request.get('/api/v1/starred')).json()) as { items: unknown[] };
    expect(after.items).toEqual([]);

    // Its folder knows, without a reload.
    await foundRow('Été Résumé.txt').waitFor({ state: 'detached' });
    await page.goBack();
    await expect(
      row(page, 'Été Résumé.txt')
        .getByRole('button', { name: 'Star Été Résumé.txt' })
        .getAttribute('aria-pressed'),
    ).resolves.toBe('false');
  });

  test('Recent lists the newest upload first, and loads more a page at a time', async () => {
    for (let i = 0; i < 52; i++) await putFile(ids.reports, `batch-${String(i).padStart(2, '0')}.txt`);
    await putFile('root', 'newest.txt');
    await page.goto('/');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Recent' }).click();
    await page.waitForURL('**/recent');
    await foundRow('newest.txt').waitFor();
    const first = await foundNames();
    expect(first.slice(0, 3)).toEqual(['newest.txt', 'batch-51.txt', 'batch-50.txt']);
    expect(first).toHaveLength(50);

    await page.getByRole('button', { name: 'Load more' }).click();
    await expect.poll(async () => (await foundNames()).length).toBe(55);
    const all = await foundNames();
    expect(all.slice(-2)).toEqual(['notes.txt', 'Été Résumé.txt']);
    expect(new Set(all).size).toBe(55);
    await page.getByRole('button', { name: 'Load more' }).waitFor({ state: 'detached' });
  });
});

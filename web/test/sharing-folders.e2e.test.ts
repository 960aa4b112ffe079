import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { unzipped } from '../../server/test/unzip.ts';
import { setUpDrive, signUp } from './drive-page.ts';
import { clickDownload, createLink, makeFolder, putFile, stranger } from './share-page.ts';

const drive = setUpDrive();

describe('a link to a folder', () => {
  test('someone without an account browses it, downloads a file and the whole folder as a zip', async () => {
    const { page, browser, server } = drive;
    await signUp(page, 'olga');
    const album = await makeFolder(page, 'root', 'Album');
    const inner = await makeFolder(page, album.id, '2024');
    const cover = Buffer.from('the cover\n');
    const photo = randomBytes(120_000);
    await putFile(page, album.id, 'cover.txt', cover);
    await putFile(page, inner.id, 'photo.bin', photo);
    // The open folder is shared from the button over it.
    await page.goto(`/folders/${album.id}`);
    await page.getByRole('button', { name: 'Share folder' }).click();
    await page.getByRole('dialog', { name: 'Share “Album”' }).waitFor();
    const url = await createLink(page);
    await page.keyboard.press('Escape');

    const context = await browser.newContext({ baseURL: server.url, acceptDownloads: true });
    const p = await stranger(context, url);
    const listed = (name: string) => p.locator(`[data-testid="public-row"][data-name="${name}"]`);
    await p.getByRole('heading', { name: 'Album', exact: true }).waitFor();
    await listed('2024').waitFor();
    await listed('cover.txt').waitFor();

    // Into the subfolder and back by the breadcrumbs; the file downloads with its bytes.
    await listed('2024').getByRole('link', { name: '2024', exact: true }).click();
    await listed('photo.bin').waitFor();
    const path = p.getByRole('navigation', { name: 'Folder path' });
    await path.getByText('2024').waitFor();
    expect(
      (await clickDownload(p, listed('photo.bin').getByRole('link', { name: 'Download photo.bin' }))).equals(
        photo,
      ),
    ).toBe(true);
    await path.getByRole('link', { name: 'Album' }).click();
    await listed('cover.txt').waitFor();

    // At phone width, in the dark theme, the listing still fits.
    await p.emulateMedia({ colorScheme: 'dark' });
    await p.setViewportSize({ width: 360, height: 740 });
    await p.reload();
    await listed('cover.txt').getByRole('link', { name: 'Download cover.txt' }).waitFor();
    expect(await p.evaluate(() => document.documentElement.dataset.mantineColorScheme)).toBe('dark');
    await expect
      .poll(() =>
        p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth),
      )
      .toBeLessThanOrEqual(0);
    await p.setViewportSize({ width: 1280, height: 800 });

    const zip = await clickDownload(p, p.getByRole('link', { name: 'Download all' }));
    const files = await unzipped(drive.filesDir, zip);
    const named = (end: string) => [...files.entries()].find(([name]) => name.endsWith(end))?.[1];
    expect(named('cover.txt')?.equals(cover)).toBe(true);
    expect(named('2024/photo.bin')?.equals(photo)).toBe(true);

    // The owner's log says what was fetched.
    await page.goto('/shared');
    const item = page.getByTestId('share-item').first();
    await item.getByRole('button', { name: 'Access log' }).click();
    await item.locator('[data-testid="share-event"][data-action="zip"]').waitFor();
    await item
      .locator('[data-testid="share-event"][data-action="download"]')
      .getByText('photo.bin')
      .waitFor();
    await context.close();
  });
});

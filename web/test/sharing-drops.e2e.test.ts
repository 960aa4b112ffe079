import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { chooseFiles, listFolder, MiB, setUpDrive, signUp } from './drive-page.ts';
import { createLink, makeFolder, openShareDialog, stranger } from './share-page.ts';

const drive = setUpDrive();

/** Every file of a folder by name, with its bytes, by the owner's API. */
async function folderFiles(p: Page, folderId: string) {
  const out: Record<string, Buffer> = {};
  for (const child of (await listFolder(p, folderId)).children)
    out[child.name] = Buffer.from(await (await p.request.get(`/api/v1/files/${child.id}/content`)).body());
  return out;
}

const sent = (p: Page) => p.locator('[data-testid="upload-row"][data-status="done"]');

describe('a file drop', () => {
  test('someone without an account drops files, small and large, until the drop is full', async () => {
    const { page, browser, server } = drive;
    await signUp(page, 'olga');
    const inbox = await makeFolder(page, 'root', 'Inbox');
    await page.reload();
    await openShareDialog(page, 'Inbox');
    const url = await createLink(page, { drop: true, maxFiles: 4 });
    await page.keyboard.press('Escape');

    const context = await browser.newContext({ baseURL: server.url });
    const p = await stranger(context, url);
    await p.getByRole('heading', { name: 'Send files to “Inbox”' }).waitFor();
    await p.getByText('4 more files can be sent.', { exact: false }).waitFor();
    // Nothing of what is in the folder is shown.
    expect(await p.getByRole('table').count()).toBe(0);

    // Dragged onto the page: two small files, one with a name the other takes too.
    await p.getByTestId('drop-zone').evaluate((zone) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['first note\n'], 'note.txt', { type: 'text/plain' }));
      transfer.items.add(new File(['second note, same name\n'], 'note.txt', { type: 'text/plain' }));
      for (const type of ['dragenter', 'dragover', 'drop'])
        zone.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
    });
    await expect.poll(() => sent(p).count(), { timeout: 30_000 }).toBe(2);

    // Picked: a large file, which goes in a resumable session through the link, part by part.
    const parts: string[] = [];
    p.on('request', (request) => {
      if (request.method() === 'PUT' && /\/uploads\/[^/]+\/parts\//.test(request.url()))
        parts.push(request.url());
    });
    const big = randomBytes(20 * MiB + 5);
    await chooseFiles(p, drive.filesDir, 'Choose files', [{ name: 'big.bin', buffer: big }]);
    await expect.poll(() => sent(p).count(), { timeout: 60_000 }).toBe(3);
    expect(parts.length).toBeGreaterThan(1);
    await p.getByText('1 more file can be sent.', { exact: false }).waitFor();

    const files = await folderFiles(page, inbox.id);
    expect(Object.keys(files).sort()).toEqual(['big.bin', 'note (2).txt', 'note.txt']);
    // Two go at once, so either may take the name first; neither is stored over the other.
    expect([files['note.txt']?.toString(), files['note (2).txt']?.toString()].sort()).toEqual([
      'first note\n',
      'second note, same name\n',
    ]);
    expect(files['big.bin']?.equals(big)).toBe(true);

    // One more fits, the one after it is refused before a byte is sent.
    await chooseFiles(p, drive.filesDir, 'Choose files', [
      { name: 'last.txt', buffer: Buffer.from('the last one\n') },
      { name: 'too-many.txt', buffer: Buffer.from('no room\n') },
    ]);
    await p.getByRole('alert').getByText('too-many.txt: this drop takes no more files.').waitFor();
    await expect.poll(() => sent(p).count(), { timeout: 30_000 }).toBe(4);
    // A full drop is a dead link.
    await p.reload();
    await p.getByTestId('dead-link').waitFor();

    // The owner reads who dropped what.
    await page.goto('/shared');
    const item = page.locator('[data-testid="share-item"][data-kind="drop"]');
    await item.getByText('4 files dropped of 4').waitFor();
    await item.getByRole('button', { name: 'Access log' }).click();
    await expect.poll(() => item.locator('[data-testid="share-event"][data-action="drop"]').count()).toBe(4);
    await context.close();
  });

  test('a drop behind a password, with a size limit, takes files once unlocked', async () => {
    const { page, browser, server } = drive;
    await page.goto('/');
    await openShareDialog(page, 'Inbox');
    const url = await createLink(page, { drop: true, password: 'letterbox', maxFileMegabytes: 0.001 });
    await page.keyboard.press('Escape');

    // On a phone, in the dark theme.
    const context = await browser.newContext({
      baseURL: server.url,
      viewport: { width: 360, height: 740 },
      colorScheme: 'dark',
    });
    const p = await stranger(context, url);
    await p.getByLabel('Password', { exact: true }).fill('letterbox');
    await p.getByRole('button', { name: 'Unlock' }).click();
    await p.getByText('Files up to 1.0 KB.', { exact: false }).waitFor();
    await chooseFiles(p, drive.filesDir, 'Choose files', [
      { name: 'too-big.bin', buffer: randomBytes(2000) },
      { name: 'fits.bin', buffer: randomBytes(1000) },
    ]);
    await p.getByRole('alert').getByText('too-big.bin is larger than 1.0 KB.').waitFor();
    await expect.poll(() => sent(p).count(), { timeout: 30_000 }).toBe(1);
    expect(
      Object.keys(await folderFiles(page, (await listFolder(page)).children[0]?.id as string)),
    ).toContain('fits.bin');
    await context.close();
  });
});

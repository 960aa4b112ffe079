import { randomBytes } from 'node:crypto';
import type { Page, Route } from 'playwright-core';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  chooseFiles as choose,
  downloadBytes,
  listFolder,
  MiB,
  PASSWORD,
  row,
  setUpDrive,
  signUp,
  uploadRow,
} from './drive-page.ts';

const drive = setUpDrive();
let page: Page;
beforeAll(() => {
  page = drive.page;
});

const chooseFiles = (p: Page, buttonName: string, files: { name: string; buffer: Buffer }[]) =>
  choose(p, drive.filesDir, buttonName, files);

describe('the web client in Chromium', () => {
  test('redirects to sign-in, and says clearly what went wrong', async () => {
    await page.goto('/folders/00000000-0000-4000-8000-000000000000');
    await page.waitForURL('**/login');
    await page.getByLabel('Username').fill('nobody');
    await page.getByLabel(/^Password/).fill('wrong password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/could not sign in/i);
  });

  test('signs up, stays signed in across a reload, and shows the empty state', async () => {
    await signUp(page, 'alice');
    await page.reload();
    await page.getByTestId('empty-folder').waitFor();
    await expect(page.getByLabel('Account menu for alice').isVisible()).resolves.toBe(true);
  });

  test('a taken username is a clear error', async () => {
    const other = await drive.browser.newContext({ baseURL: drive.server.url });
    const p = await other.newPage();
    await p.goto('/signup');
    await p.getByLabel('Username').fill('Alice');
    await p.getByLabel(/^Password/).fill(PASSWORD);
    await p.getByRole('button', { name: 'Sign up' }).click();
    await expect(p.getByRole('alert').textContent()).resolves.toMatch(/taken|exists|use/i);
    await other.close();
  });

  test('uploads through the file chooser with progress, and downloads the same bytes', async () => {
    const big = randomBytes(20 * MiB + 12345); // three parts of 8 MiB
    await chooseFiles(page, 'Upload files', [{ name: 'big.bin', buffer: big }]);
    await uploadRow(page, 'big.bin').waitFor();
    await page.locator('[data-testid="upload-row"][data-status="done"]').first().waitFor({ timeout: 60_000 });
    await expect(page.getByTestId('upload-overall').textContent()).resolves.toContain('20 MB of 20 MB');
    await row(page, 'big.bin').waitFor();
    expect((await downloadBytes(page, 'big.bin')).equals(big)).toBe(true);
  });

  test('compresses text before upload and downloads the original bytes', async () => {
    const text = Buffer.from('Fileshare compresses text before it uploads it.\n'.repeat(20_000));
    await chooseFiles(page, 'Upload files', [{ name: 'notes.txt', buffer: text }]);
    await row(page, 'notes.txt').waitFor({ timeout: 30_000 });
    const node = (await listFolder(page)).children.find((child) => child.name === 'notes.txt');
    expect(node?.encoding).toBe('gzip');
    expect(node?.size).toBe(text.length);
    expect(node?.storedSize).toBeLessThan(text.length / 10);
    expect((await downloadBytes(page, 'notes.txt')).equals(text)).toBe(true);
  });

  test('uploads files dropped on the page', async () => {
    await page.evaluate(() => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['dropped one'], 'dropped-1.txt', { type: 'text/plain' }));
      transfer.items.add(new File([new Uint8Array(3000).fill(7)], 'dropped-2.bin'));
      for (const type of ['dragenter', 'dragover', 'drop']) {
        document.body.dispatchEvent(
          new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }),
        );
      }
    });
    await row(page, 'dropped-1.txt').waitFor({ timeout: 30_000 });
    await row(page, 'dropped-2.bin').waitFor({ timeout: 30_000 });
    expect((await downloadBytes(page, 'dropped-1.txt')).toString()).toBe('dropped one');
  });

  test('creates, renames and opens a folder, moves a file into it, and sorts', async () => {
    await page.getByRole('button', { name: 'New folder' }).click();
    await page.getByLabel('Folder name').fill('Projects');
    await page.getByRole('button', { name: 'Create' }).click();
    await row(page, 'Projects').waitFor();

    await row(page, 'Projects').getByRole('button', { name: 'Actions for Projects' }).click();
    await page.getByRole('menuitem', { name: 'Rename' }).click();
    await page.getByLabel('New name').fill('Work');
    await page.getByRole('button', { name: 'Rename' }).click();
    await row(page, 'Work').waitFor();

    await row(page, 'dropped-2.bin').getByRole('button', { name: 'Actions for dropped-2.bin' }).click();
    await page.getByRole('menuitem', { name: 'Move' }).click();
    await page.getByRole('dialog').getByText('Work', { exact: true }).click();
    await page.getByRole('button', { name: 'Move to “Work”' }).click();
    await row(page, 'dropped-2.bin').waitFor({ state: 'detached' });

    await row(page, 'Work').getByRole('link', { name: 'Work' }).click();
    await row(page, 'dropped-2.bin').waitFor();
    await page
      .getByRole('navigation', { name: 'Folder path' })
      .getByRole('link', { name: 'My files' })
      .click();
    await row(page, 'Work').waitFor();

    // Folders first, then files by size, largest first.
    await page.getByRole('button', { name: 'Size' }).click();
    await page.getByRole('button', { name: 'Size' }).click();
    await page.waitForFunction(() => {
      const names = [...document.querySelectorAll('[data-testid="node-row"]')].map((r) =>
        r.getAttribute('data-name'),
      );
      return names[0] === 'Work' && names[1] === 'big.bin';
    });
  });

  test('selects by keyboard and moves by dragging onto a folder', async () => {
    await page.getByRole('checkbox', { name: 'Select big.bin' }).focus();
    await page.keyboard.press('Control+a');
    await page.getByText('4 selected').waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('toolbar', { name: 'Selected items' }).waitFor({ state: 'detached' });

    await row(page, 'dropped-1.txt').dragTo(row(page, 'Work'));
    await row(page, 'dropped-1.txt').waitFor({ state: 'detached' });
    await row(page, 'Work').getByRole('link', { name: 'Work' }).click();
    await row(page, 'dropped-1.txt').waitFor();
    await row(page, 'dropped-1.txt').dragTo(
      page.getByRole('navigation', { name: 'Folder path' }).getByRole('link', { name: 'My files' }),
    );
    await page
      .getByRole('navigation', { name: 'Folder path' })
      .getByRole('link', { name: 'My files' })
      .click();
    await row(page, 'Work').waitFor();
  });

  test('deletes to the trash, restores, and deletes forever', async () => {
    await page.getByRole('checkbox', { name: 'Select dropped-1.txt' }).click();
    await page.getByRole('checkbox', { name: 'Select notes.txt' }).click();
    await page
      .getByRole('toolbar', { name: 'Selected items' })
      .getByRole('button', { name: 'Delete' })
      .click();
    await row(page, 'notes.txt').waitFor({ state: 'detached' });
    await row(page, 'dropped-1.txt').waitFor({ state: 'detached' });

    await page.getByRole('link', { name: 'Trash' }).click();
    await page.getByRole('button', { name: 'Restore notes.txt' }).click();
    await page.locator('[data-testid="trash-row"][data-name="notes.txt"]').waitFor({ state: 'detached' });
    await page.getByRole('button', { name: 'Delete dropped-1.txt forever' }).click();
    await page.getByRole('button', { name: 'Delete forever' }).click();
    await page.getByText('The trash is empty').waitFor();

    await page.getByRole('link', { name: 'My files' }).first().click();
    await row(page, 'notes.txt').waitFor();
  });

  test('continues a large upload after a reload, from the parts that arrived', async () => {
    const file = randomBytes(40 * MiB); // five parts
    await page.getByRole('button', { name: 'Clear' }).click();
    // Hold parts 3 and later, so the page is reloaded in the middle of the upload.
    const held: Route[] = [];
    await page.route('**/api/v1/uploads/*/parts/*', async (route) => {
      const number = Number(route.request().url().split('/').pop());
      if (number >= 3) {
        held.push(route); // not answered before the reload, which cancels it
        return;
      }
      await route.continue();
    });
    await chooseFiles(page, 'Upload files', [{ name: 'resume.bin', buffer: file }]);
    // Wait until the server has parts 1 and 2, and the others are held.
    await expect
      .poll(
        async () => {
          const { uploads } = (await (await page.request.get('/api/v1/uploads')).json()) as {
            uploads: { id: string }[];
          };
          if (uploads.length !== 1) return -1;
          const session = (await (await page.request.get(`/api/v1/uploads/${uploads[0]?.id}`)).json()) as {
            uploadedParts: unknown[];
          };
          return session.uploadedParts.length;
        },
        { timeout: 30_000 },
      )
      .toBe(2);
    expect(held.length).toBeGreaterThan(0);

    await page.reload();
    for (const route of held) await route.abort().catch(() => {});
    await page.unrouteAll({ behavior: 'ignoreErrors' });
    const waiting = page.locator('[data-testid="upload-row"][data-status="needs-file"]');
    await waiting.waitFor();
    const partsSent: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'PUT' && request.url().includes('/parts/')) partsSent.push(request.url());
    });
    await chooseFiles(page, 'Pick resume.bin again to continue', [{ name: 'resume.bin', buffer: file }]);
    await page.locator('[data-testid="upload-row"][data-status="done"]').waitFor({ timeout: 60_000 });
    expect(partsSent).toHaveLength(3);
    await row(page, 'resume.bin').waitFor();
    expect((await downloadBytes(page, 'resume.bin')).equals(file)).toBe(true);
  });

  test('pauses, resumes and cancels an upload', async () => {
    await page.route('**/api/v1/uploads/*/parts/*', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 500));
      await route.continue().catch(() => {});
    });
    const file = randomBytes(24 * MiB);
    await chooseFiles(page, 'Upload files', [{ name: 'pausable.bin', buffer: file }]);
    await page.getByRole('button', { name: 'Pause pausable.bin' }).click();
    await page.locator('[data-testid="upload-row"][data-status="paused"]').waitFor();
    await page.getByRole('button', { name: 'Resume pausable.bin' }).click();
    await page.locator('[data-testid="upload-row"][data-status="done"]').last().waitFor({ timeout: 60_000 });
    await row(page, 'pausable.bin').waitFor();

    await chooseFiles(page, 'Upload files', [{ name: 'canceled.bin', buffer: file }]);
    await page.getByRole('button', { name: 'Cancel canceled.bin' }).click();
    await page.locator('[data-testid="upload-row"][data-status="canceled"]').waitFor();
    await page.unrouteAll({ behavior: 'ignoreErrors' });
    // The session is aborted on the server as the row shows "canceled", not before.
    const unfinished = async () => {
      const { uploads } = (await (await page.request.get('/api/v1/uploads')).json()) as {
        uploads: { name: string }[];
      };
      return uploads.map((u) => u.name);
    };
    await expect.poll(unfinished, { timeout: 5_000 }).not.toContain('canceled.bin');
  });

  test('a second user sees nothing of the first', async () => {
    const { children } = await listFolder(page);
    const secret = children.find((child) => child.name === 'big.bin');
    const bob = await drive.browser.newContext({ baseURL: drive.server.url });
    const p = await bob.newPage();
    await signUp(p, 'bob');
    await p.getByTestId('empty-folder').waitFor();
    expect((await p.request.get(`/api/v1/files/${secret?.id}/content`)).status()).toBe(404);
    await p.goto('/trash');
    await p.getByText('The trash is empty').waitFor();
    await expect(p.getByRole('link', { name: 'Administration' }).count()).resolves.toBe(0);
    await bob.close();
  });

  test('account: rename, change password, sessions', async () => {
    await page.getByRole('link', { name: 'Account' }).first().click();
    await page.getByTestId('session-row').first().waitFor();
    await expect(page.getByText('This browser').count()).resolves.toBe(1);

    await page.getByLabel('Username').fill('alice-renamed');
    await page.getByRole('button', { name: 'Change username' }).click();
    await page.getByLabel('Account menu for alice-renamed').waitFor();

    await page.getByLabel(/^Current password/).fill('not the password');
    await page.getByLabel(/^New password/).fill('an even longer passphrase');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Password not changed').waitFor();
    await page.getByLabel(/^Current password/).fill(PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Password changed.', { exact: false }).waitFor();
  });

  test('admin: users, totals, quota', async () => {
    await page.getByRole('link', { name: 'Administration' }).click();
    const bob = page.getByTestId('admin-user-row').filter({ hasText: 'bob' });
    await bob.waitFor();
    await bob.getByRole('button', { name: 'Manage bob' }).click();
    await page.getByRole('menuitem', { name: 'Set quota…' }).click();
    await page.getByLabel('Quota in GiB').fill('2');
    await page.getByRole('button', { name: 'Save' }).click();
    await bob.getByText('/ 2.0 GB').waitFor();
  });

  test('fits a phone screen without horizontal scrolling', async () => {
    await page.setViewportSize({ width: 360, height: 740 });
    for (const path of ['/', '/trash', '/account', '/admin']) {
      await page.goto(path);
      await page.waitForLoadState('networkidle');
      const overflow = await page.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow, `horizontal overflow on ${path}`).toBeLessThanOrEqual(0);
    }
    await page.getByRole('button', { name: 'Navigation' }).click();
    await page.getByRole('link', { name: 'Trash' }).click();
    await page.waitForURL('**/trash');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  test('signs out', async () => {
    await page.goto('/');
    await page.getByLabel('Account menu for alice-renamed').click();
    await page.getByRole('menuitem', { name: 'Sign out' }).click();
    await page.waitForURL('**/login');
    await page.reload();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
  });
});

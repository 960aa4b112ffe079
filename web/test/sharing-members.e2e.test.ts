import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { chooseFiles, downloadBytes, listFolder, row, setUpDrive, signUp } from './drive-page.ts';
import { makeFolder, openShareDialog, putFile, sameSite } from './share-page.ts';

const drive = setUpDrive();

describe('sharing a folder with another user', () => {
  test('a member sees it under Shared with me, uploads as an editor, and loses it when removed', async () => {
    const { page, browser, server } = drive;
    const bobContext = await browser.newContext({ baseURL: server.url, acceptDownloads: true });
    const bob = await bobContext.newPage();
    await signUp(bob, 'bob');
    await signUp(page, 'olga');
    const team = await makeFolder(page, 'root', 'Team');
    const plan = randomBytes(5000);
    await putFile(page, team.id, 'plan.bin', plan);
    await page.reload();

    await openShareDialog(page, 'Team');
    const people = page.getByRole('dialog').getByRole('region', { name: 'People' });
    await people.getByLabel('Username').fill('nobody-here');
    await people.getByRole('button', { name: 'Add' }).click();
    await expect.poll(() => people.getByRole('alert').textContent()).toMatch(/no user/i);
    await people.getByLabel('Username').fill('bob');
    await people.getByRole('button', { name: 'Add' }).click();
    const bobRow = people.locator('[data-testid="member-row"][data-username="bob"]');
    await bobRow.waitFor();
    expect(await bobRow.getByLabel('Role of bob').inputValue()).toBe('Viewer');

    // Bob sees it, opens it in the ordinary folder view, and reads what is in it.
    await bob.getByRole('link', { name: 'Shared with me' }).click();
    const shared = bob.locator('[data-testid="shared-row"][data-name="Team"]');
    await expect.poll(() => shared.textContent()).toContain('olga');
    await expect(shared.textContent()).resolves.toContain('Can view');
    await shared.getByRole('link', { name: 'Team' }).click();
    await row(bob, 'plan.bin').waitFor();
    const crumbs = bob.getByRole('navigation', { name: 'Folder path' });
    await crumbs.getByRole('link', { name: 'Shared with me' }).waitFor();
    expect((await downloadBytes(bob, 'plan.bin')).equals(plan)).toBe(true);
    // Only the owner shares: a member has no “Share…” in the tree.
    await row(bob, 'plan.bin').getByRole('button', { name: 'Actions for plan.bin' }).click();
    await bob.getByRole('menuitem', { name: 'Rename' }).waitFor();
    expect(await bob.getByRole('menuitem', { name: 'Share…' }).count()).toBe(0);
    await bob.keyboard.press('Escape');
    expect(await bob.getByRole('button', { name: 'Share folder' }).count()).toBe(0);

    // Made an editor, Bob uploads into Olga's folder.
    await bobRow.getByLabel('Role of bob').click();
    await page.getByRole('option', { name: 'Editor' }).click();
    await expect.poll(() => bobRow.getByLabel('Role of bob').inputValue()).toBe('Editor');
    const notes = randomBytes(20_000);
    await chooseFiles(bob, drive.filesDir, 'Upload files', [{ name: 'from-bob.bin', buffer: notes }]);
    await row(bob, 'from-bob.bin').waitFor({ timeout: 30_000 });
    const olgaSees = (await listFolder(page, team.id)).children.find(
      (child) => child.name === 'from-bob.bin',
    );
    expect(olgaSees?.size).toBe(notes.length);

    // Both sharing pages and the dialog fit a phone screen.
    const overflow = (p: Page) =>
      p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    await bob.setViewportSize({ width: 360, height: 740 });
    await bob.goto('/shared-with-me');
    await shared.waitFor();
    expect(await overflow(bob)).toBeLessThanOrEqual(0);
    await bob.setViewportSize({ width: 1280, height: 800 });
    await page.setViewportSize({ width: 360, height: 740 });
    // The dialog takes the whole screen once the page has seen its new width.
    await expect.poll(() => overflow(page)).toBeLessThanOrEqual(0);
    await page.keyboard.press('Escape');
    await page.goto('/shared');
    await page.getByRole('heading', { name: 'Shared links' }).waitFor();
    expect(await overflow(page)).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto('/');
    await openShareDialog(page, 'Team');

    // Removed, Bob has nothing of it any more.
    await bobRow.getByRole('button', { name: 'Remove bob' }).click();
    await bobRow.waitFor({ state: 'detached' });
    await bob.goto('/shared-with-me');
    await bob.getByTestId('nothing-shared').waitFor();
    await bob.goto(`/folders/${team.id}`);
    await bob.getByRole('heading', { name: 'This folder can’t be shown' }).waitFor();
    expect((await bob.request.get(`/api/v1/folders/${team.id}`)).status()).toBe(404);

    // A member may also leave of their own accord.
    const photos = await makeFolder(page, 'root', 'Photos');
    const added = await page.request.post(`/api/v1/nodes/${photos.id}/members`, {
      data: { username: 'bob', role: 'viewer' },
      headers: sameSite(page),
    });
    expect(added.status()).toBe(201);
    await bob.goto('/shared-with-me');
    await bob.getByRole('button', { name: 'Leave Photos' }).click();
    await bob.getByTestId('nothing-shared').waitFor();
    const members = (await (await page.request.get(`/api/v1/nodes/${photos.id}/members`)).json()) as {
      items: unknown[];
    };
    expect(members.items).toEqual([]);
    await bobContext.close();
  });
});

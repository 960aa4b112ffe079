import { describe, expect, test } from 'vitest';
import { setUpDrive, signUp } from './drive-page.ts';

const drive = setUpDrive();

describe('app passwords', () => {
  test('one made on the account page lists files as a bearer token until it is revoked there', async () => {
    const { page, server, context } = drive;
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
    await signUp(page, 'ines');
    await page.goto('/account');
    await page.getByLabel('What it is for').fill('Laptop sync');
    await page.getByRole('button', { name: 'Make app password' }).click();

    const password = (await page.getByTestId('app-password').textContent())?.trim() ?? '';
    expect(password).toMatch(/^(?:[a-z2-9]{5}-){5}[a-z2-9]{5}$/);
    expect((await page.getByTestId('webdav-url').textContent())?.trim()).toBe(`${server.url}/dav/`);
    await page.getByRole('button', { name: 'Copy password' }).click();
    await page.getByRole('button', { name: 'Password copied' }).waitFor();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(password);
    await page.keyboard.press('Escape');

    const listRoot = () =>
      fetch(`${server.url}/api/v1/folders/root`, { headers: { authorization: `Bearer ${password}` } });
    const listed = await listRoot();
    expect(listed.status).toBe(200);
    expect(((await listed.json()) as { children: unknown[] }).children).toEqual([]);

    await page.reload();
    const row = page.getByTestId('app-password-row');
    await expect.poll(() => row.count()).toBe(1);
    await expect.poll(() => row.textContent()).toContain('Laptop sync');
    // Shown once: the page never shows the password again.
    expect(await page.evaluate(() => document.body.textContent)).not.toContain(password);
    await expect.poll(() => row.textContent()).toContain('from 127.0.0.1');

    await row.getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => row.count()).toBe(0);
    expect((await listRoot()).status).toBe(401);
  });
});

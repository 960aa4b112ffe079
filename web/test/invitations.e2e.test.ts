import { describe, expect, test } from 'vitest';
import { PASSWORD, setUpDrive, signUp } from './drive-page.ts';

const drive = setUpDrive(async () => ({ REGISTRATION: 'invite' }));

describe('registration by invitation', () => {
  test('an administrator invites someone, who signs up with the code once', async () => {
    const { page, browser, server } = drive;
    await page.goto('/signup');
    await page.getByLabel('Username').waitFor();
    // The first account needs no invitation: it is the administrator.
    expect(await page.getByLabel('Invitation code').count()).toBe(0);
    await signUp(page, 'ada');

    await page.goto('/admin');
    await page.getByLabel('Who it is for').fill('Bob');
    await page.getByRole('button', { name: 'Make invitation' }).click();
    const code = (await page.getByTestId('invitation-code').textContent())?.trim() ?? '';
    expect(code.length).toBeGreaterThan(20);
    await page.getByRole('button', { name: 'Copy code' }).waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('invitation-row').first().textContent()).toContain('Open until');

    const bob = await (await browser.newContext({ baseURL: server.url })).newPage();
    await bob.goto('/signup');
    await bob.getByLabel('Invitation code').fill('not the code');
    await bob.getByLabel('Username').fill('bob');
    await bob.getByLabel(/^Password/).fill(PASSWORD);
    await bob.getByRole('button', { name: 'Sign up' }).click();
    await expect.poll(() => bob.getByRole('alert').textContent()).toMatch(/invitation/i);
    await bob.getByLabel('Invitation code').fill(code);
    await bob.getByRole('button', { name: 'Sign up' }).click();
    await bob.getByRole('button', { name: 'Upload files' }).waitFor();
    await bob.context().close();

    await page.reload();
    await expect
      .poll(() => page.getByTestId('invitation-row').first().textContent())
      .toContain('Used by bob');

    await page.getByRole('button', { name: 'Make invitation' }).click();
    await page.getByTestId('invitation-code').waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByTestId('invitation-row').count()).toBe(2);
    await page.getByRole('button', { name: 'Revoke' }).click();
    await expect.poll(() => page.getByTestId('invitation-row').count()).toBe(1);
  });
});

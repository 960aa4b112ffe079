import { readFile } from 'node:fs/promises';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { type ListedNode, row } from './drive-page.ts';

/** The Origin a cookie-authenticated change must come with, as the page's own requests do. */
export const sameSite = (p: Page) => ({ origin: new URL(p.url()).origin });

/** Stores a file in a folder through the API with the page's session, as an upload does. */
export async function putFile(p: Page, folderId: string, name: string, bytes: Buffer): Promise<ListedNode> {
  const response = await p.request.put(`/api/v1/folders/${folderId}/files/${encodeURIComponent(name)}`, {
    headers: { 'content-type': 'application/octet-stream', ...sameSite(p) },
    data: bytes,
  });
  expect(response.status()).toBe(201);
  return (await response.json()) as ListedNode;
}

export async function makeFolder(p: Page, parentId: string, name: string): Promise<ListedNode> {
  const response = await p.request.post('/api/v1/folders', {
    data: { parentId, name },
    headers: sameSite(p),
  });
  expect(response.status()).toBe(201);
  return (await response.json()) as ListedNode;
}

/** Opens the share dialog from a row's menu. */
export async function openShareDialog(p: Page, name: string) {
  await row(p, name)
    .getByRole('button', { name: `Actions for ${name}` })
    .click();
  await p.getByRole('menuitem', { name: 'Share…' }).click();
  await p.getByRole('dialog', { name: `Share “${name}”` }).waitFor();
}

/** Fills the open share dialog's form, makes the link, and answers the address it shows once. */
export async function createLink(
  p: Page,
  options: {
    drop?: boolean;
    password?: string;
    maxDownloads?: number;
    maxFiles?: number;
    maxFileMegabytes?: number;
  } = {},
) {
  const dialog = p.getByRole('dialog');
  const form = dialog.getByRole('form', { name: 'New link' });
  if (options.drop) await form.getByText('File drop', { exact: true }).click();
  if (options.password) await form.getByLabel('Password', { exact: true }).fill(options.password);
  if (options.maxDownloads) await form.getByLabel('Download limit').fill(String(options.maxDownloads));
  if (options.maxFiles) await form.getByLabel('Most files').fill(String(options.maxFiles));
  if (options.maxFileMegabytes)
    await form.getByLabel('Largest file (MB)').fill(String(options.maxFileMegabytes));
  await form.getByRole('button', { name: options.drop ? 'Create file drop' : 'Create link' }).click();
  const address = dialog.getByLabel('Link address');
  await address.waitFor();
  const url = await address.inputValue();
  expect(url).toMatch(/\/s\/[A-Za-z0-9_-]{43}$/);
  return url;
}

/** A page in a browser context of its own, with no account: whoever the link was sent to. */
export async function stranger(context: BrowserContext, url: string) {
  const p = await context.newPage();
  await p.goto(url);
  return p;
}

/** Clicks a download link and answers the bytes the browser saved. */
export async function clickDownload(p: Page, link: Locator): Promise<Buffer> {
  const download = p.waitForEvent('download');
  await link.click();
  return readFile(await (await download).path());
}

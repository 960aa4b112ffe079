import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { launchBrowser, startServer, type TestServer } from './harness.ts';

export const PASSWORD = 'correct horse battery staple';
export const MiB = 1024 * 1024;

export type Drive = {
  server: TestServer;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Where a test writes the files it picks, as a user's files are on disk. */
  filesDir: string;
};

/**
 * Starts the real server and Chromium for a test file, with one desktop page, and stops them
 * afterwards; when a test fails, logs what the page showed and the server's last words.
 * `prepare` runs first and may hand the server extra settings (S3, say).
 */
export function setUpDrive(prepare: () => Promise<Record<string, string>> = async () => ({})): Drive {
  const drive = {} as Drive;
  beforeAll(async () => {
    drive.filesDir = await mkdtemp(path.join(tmpdir(), 'fileshare-e2e-files-'));
    drive.server = await startServer(await prepare());
    drive.browser = await launchBrowser();
    drive.context = await drive.browser.newContext({
      baseURL: drive.server.url,
      acceptDownloads: true,
      viewport: { width: 1280, height: 800 },
    });
    drive.context.setDefaultTimeout(15_000);
    drive.page = await drive.context.newPage();
  });
  afterEach(async (context) => {
    const { page, server } = drive;
    if (context.task.result?.state !== 'fail' || !page) return;
    const text = await page.evaluate(() => document.body.textContent ?? '').catch(() => '(no page)');
    console.error(
      `page at ${page.url()} showed:\n${text.slice(0, 2000)}\n--- server log:\n${server.output().slice(-3000)}`,
    );
    await page
      .screenshot({ path: `${process.env.TMPDIR ?? '/tmp'}/fileshare-e2e-failure.png` })
      .catch(() => {});
  });
  afterAll(async () => {
    await drive.browser?.close();
    await drive.server?.stop();
    if (drive.filesDir) await rm(drive.filesDir, { recursive: true, force: true });
  });
  return drive;
}

export async function signUp(p: Page, username: string) {
  await p.goto('/signup');
  await p.getByLabel('Username').fill(username);
  await p.getByLabel(/^Password/).fill(PASSWORD);
  await p.getByRole('button', { name: 'Sign up' }).click();
  await p.getByRole('button', { name: 'Upload files' }).waitFor();
}

export async function signIn(p: Page, username: string) {
  await p.getByLabel('Username').fill(username);
  await p.getByLabel(/^Password/).fill(PASSWORD);
  await p.getByRole('button', { name: 'Sign in' }).click();
  await p.getByRole('button', { name: 'Upload files' }).waitFor();
}

export async function signOut(p: Page, username: string) {
  await p.getByLabel(`Account menu for ${username}`).click();
  await p.getByRole('menuitem', { name: 'Sign out' }).click();
  await p.waitForURL('**/login');
}

/** Picks files in the chooser a button opens; they are written to disk first, as a user's files are. */
export async function chooseFiles(
  p: Page,
  filesDir: string,
  buttonName: string,
  files: { name: string; buffer: Buffer }[],
) {
  const paths: string[] = [];
  for (const file of files) {
    const dir = await mkdtemp(path.join(filesDir, 'pick-'));
    paths.push(path.join(dir, file.name));
    await writeFile(path.join(dir, file.name), file.buffer);
  }
  const chooser = p.waitForEvent('filechooser');
  await p.getByRole('button', { name: buttonName }).click();
  await (await chooser).setFiles(paths);
}

export const row = (p: Page, name: string) => p.locator(`[data-testid="node-row"][data-name="${name}"]`);
export const uploadRow = (p: Page, name: string) => p.getByLabel(`Upload of ${name}`);

export async function downloadBytes(p: Page, name: string): Promise<Buffer> {
  const download = p.waitForEvent('download');
  await row(p, name).getByRole('link', { name }).click();
  return readFile(await (await download).path());
}

export type ListedNode = {
  id: string;
  name: string;
  kind: 'file' | 'folder';
  encoding: string;
  size: number;
  storedSize: number;
};

/** A folder's children, by the API with the page's session. */
export async function listFolder(p: Page, id = 'root') {
  const response = await p.request.get(`/api/v1/folders/${id}?limit=1000`);
  expect(response.ok()).toBe(true);
  return (await response.json()) as { children: ListedNode[] };
}

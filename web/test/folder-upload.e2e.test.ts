import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { listFolder, row, setUpDrive, signUp } from './drive-page.ts';

const drive = setUpDrive();

/** A folder tree on disk, as a user has it: relative path → bytes. */
async function writeTree(name: string, files: Record<string, Buffer>) {
  const base = await mkdtemp(path.join(drive.filesDir, 'tree-'));
  for (const [relative, bytes] of Object.entries(files)) {
    const file = path.join(base, name, relative);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, bytes);
  }
  return path.join(base, name);
}

/** Every file under a folder on the server, by path, with its bytes. */
async function readTree(p: Page, folderId: string, prefix = ''): Promise<Record<string, Buffer>> {
  const out: Record<string, Buffer> = {};
  for (const child of (await listFolder(p, folderId)).children) {
    const name = `${prefix}${child.name}`;
    if (child.kind === 'folder') Object.assign(out, await readTree(p, child.id, `${name}/`));
    else out[name] = Buffer.from(await (await p.request.get(`/api/v1/files/${child.id}/content`)).body());
  }
  return out;
}

async function folderId(p: Page, name: string) {
  const folder = (await listFolder(p)).children.find((child) => child.name === name);
  expect(folder?.kind).toBe('folder');
  return folder?.id as string;
}

const tree = (tag: string) => ({
  'cover.txt': Buffer.from(`the ${tag} album\n`),
  '2024/a.bin': randomBytes(70_000),
  '2024/b.bin': randomBytes(3),
  '2025/spring/deep/c.txt': Buffer.from(`deep in ${tag}\n`.repeat(500)),
});

describe('folder uploads', () => {
  test('“Upload folder” recreates the picked folder’s tree with the same bytes', async () => {
    const { page } = drive;
    await signUp(page, 'dora');
    const files = tree('picked');
    const dir = await writeTree('Album', files);
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Upload folder' }).click();
    await (await chooser).setFiles(dir);
    await row(page, 'Album').waitFor();
    await expect
      .poll(async () => Object.keys(await readTree(page, await folderId(page, 'Album'))).length, {
        timeout: 30_000,
      })
      .toBe(4);
    expect(await readTree(page, await folderId(page, 'Album'))).toEqual(files);
  });

  test('a folder dropped on the page is recreated, into the open folder', async () => {
    const { page } = drive;
    await row(page, 'Album').getByRole('link', { name: 'Album' }).click();
    await row(page, 'cover.txt').waitFor();
    const files = tree('dropped');
    const dir = await writeTree('Dropped', files);
    // A drop from the desktop, as Chromium delivers it: the folder arrives as a directory entry.
    const cdp = await page.context().newCDPSession(page);
    const data = { items: [], files: [dir], dragOperationsMask: 1 };
    for (const type of ['dragEnter', 'dragOver', 'drop'] as const) {
      await cdp.send('Input.dispatchDragEvent', { type, x: 400, y: 300, data });
    }
    await row(page, 'Dropped').waitFor();
    const albumId = await folderId(page, 'Album');
    const dropped = (await listFolder(page, albumId)).children.find((child) => child.name === 'Dropped');
    expect(dropped?.kind).toBe('folder');
    await expect
      .poll(async () => Object.keys(await readTree(page, dropped?.id as string)).length, { timeout: 30_000 })
      .toBe(4);
    expect(await readTree(page, dropped?.id as string)).toEqual(files);
  });
});

import { randomBytes } from 'node:crypto';
import type { Request } from 'playwright-core';
import { afterAll, describe, expect, test } from 'vitest';
import { freePort } from '../../tools/processes.ts';
import { chooseFiles, listFolder, MiB, setUpDrive, signUp } from './drive-page.ts';
import { startS3 } from './s3.ts';
import { makeFolder, sameSite, stranger } from './share-page.ts';

// Part of the `services` driver set, as the other S3 tests of the client are.
const services = (process.env.TEST_DRIVERS ?? '').split(',').some((name) => name.trim() === 'services');

describe.runIf(services)('a file drop with the server on S3', () => {
  let s3: Awaited<ReturnType<typeof startS3>> | undefined;
  const drive = setUpDrive(async () => {
    const port = await freePort();
    s3 = await startS3(`http://127.0.0.1:${port}`);
    return { ...s3.env, PORT: String(port) };
  });
  afterAll(async () => {
    await s3?.close();
  });

  test('a large dropped file goes part by part straight to the bucket, with the same bytes', async () => {
    const { page, browser, server } = drive;
    await signUp(page, 'olga');
    const inbox = await makeFolder(page, 'root', 'Inbox');
    const response = await page.request.post('/api/v1/shares', {
      data: { nodeId: inbox.id, kind: 'drop' },
      headers: sameSite(page),
    });
    const { url } = (await response.json()) as { url: string };

    const context = await browser.newContext({ baseURL: server.url });
    const p = await stranger(context, url);
    const puts: Request[] = [];
    p.on('request', (request) => {
      if (request.method() === 'PUT') puts.push(request);
    });
    const big = randomBytes(20 * MiB + 77);
    await chooseFiles(p, drive.filesDir, 'Choose files', [{ name: 'big.bin', buffer: big }]);
    await p.locator('[data-testid="upload-row"][data-status="done"]').waitFor({ timeout: 60_000 });
    // Straight to the bucket, each part with the MD5 its presigned URL was signed for.
    expect(puts).toHaveLength(3);
    for (const put of puts) {
      expect(put.url().startsWith(`${s3?.endpoint}/`), put.url()).toBe(true);
      expect(put.headers()['content-md5']).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    }

    const node = (await listFolder(page, inbox.id)).children.find((child) => child.name === 'big.bin');
    const bytes = Buffer.from(await (await page.request.get(`/api/v1/files/${node?.id}/content`)).body());
    expect(bytes.equals(big)).toBe(true);
    await context.close();
  });
});

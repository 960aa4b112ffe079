import { randomBytes } from 'node:crypto';
import type { Request } from 'playwright-core';
import { afterAll, describe, expect, test } from 'vitest';
import { freePort } from '../../tools/processes.ts';
import { chooseFiles, downloadBytes, MiB, row, setUpDrive, signUp } from './drive-page.ts';
import { startS3 } from './s3.ts';

// Part of the `services` driver set (TEST_DRIVERS=embedded,services, what CI runs), as S3 is in
// the server's tests: the bucket is on Ceph's RADOS Gateway, which answers the CORS preflights
// and checks the presigned URLs' signatures as S3 does.
const services = (process.env.TEST_DRIVERS ?? '').split(',').some((name) => name.trim() === 'services');

describe.runIf(services)('uploads with the server on S3', () => {
  let s3: Awaited<ReturnType<typeof startS3>> | undefined;
  // The bucket's CORS rule names the page's origin, so the port is chosen first.
  const drive = setUpDrive(async () => {
    const port = await freePort();
    s3 = await startS3(`http://127.0.0.1:${port}`);
    return { ...s3.env, PORT: String(port) };
  });
  afterAll(async () => {
    await s3?.close();
  });

  test('sends the parts straight to the bucket, not through the API', async () => {
    const { page } = drive;
    await signUp(page, 'carol');
    const puts: Request[] = [];
    page.on('request', (request) => {
      if (request.method() === 'PUT') puts.push(request);
    });
    const file = randomBytes(20 * MiB + 4321); // three parts of 8 MiB
    await chooseFiles(page, drive.filesDir, 'Upload files', [{ name: 'direct.bin', buffer: file }]);
    await page.locator('[data-testid="upload-row"][data-status="done"]').waitFor({ timeout: 60_000 });
    await row(page, 'direct.bin').waitFor();

    const endpoint = s3?.endpoint ?? '';
    expect(puts).toHaveLength(3);
    for (const put of puts) {
      expect(put.url().startsWith(`${endpoint}/`), put.url()).toBe(true);
      expect((await put.response())?.status()).toBe(200);
    }
    const numbers = puts.map((put) => new URL(put.url()).searchParams.get('partNumber')).sort();
    expect(numbers).toEqual(['1', '2', '3']);
    expect((await downloadBytes(page, 'direct.bin')).equals(file)).toBe(true);
  });
});

/**
 * The reference for what any page can reach on the machine: a bare page, served by nginx, sends the
 * file to nginx in the server's parts, 4 at a time, by XMLHttpRequest, as the web client sends parts.
 */
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { BenchError } from '../support/processes.ts';

/** Parts the web client keeps in flight (web/src/features/uploads/send-parts.ts). */
export const PARTS_IN_FLIGHT = 4;

const BARE_PAGE = `<!doctype html>
<meta charset="utf-8">
<title>Chromium upload reference</title>
<input type="file" id="file">
<script>
  // The file in parts of partSize bytes, \`parallel\` at a time, by XMLHttpRequest with a Blob body
  // and an upload progress listener: what the web client's part transfer does, minus the app.
  window.sendParts = async (partSize, parallel, prefix) => {
    const file = document.getElementById('file').files[0];
    const count = Math.ceil(file.size / partSize);
    let next = 0;
    const started = performance.now();
    async function worker() {
      for (let n = next++; n < count; n = next++) {
        await new Promise((resolve, reject) => {
          const xhr = new XMLHttpRequest();
          xhr.open('PUT', prefix + '/part-' + (n + 1));
          xhr.upload.onprogress = () => {};
          xhr.onload = () => (xhr.status < 300 ? resolve() : reject(new Error('part ' + (n + 1) + ': ' + xhr.status)));
          xhr.onerror = () => reject(new Error('part ' + (n + 1) + ': connection failed'));
          xhr.send(file.slice(n * partSize, Math.min(file.size, (n + 1) * partSize)));
        });
      }
    }
    await Promise.all(Array.from({ length: parallel }, worker));
    return { seconds: (performance.now() - started) / 1000, count };
  };
</script>
`;

/** Puts the bare page in nginx's directory and opens it in `page`. */
export async function openBarePage(page: Page, nginx: { url: string; www: string }) {
  writeFileSync(path.join(nginx.www, 'upload.html'), BARE_PAGE);
  await page.goto(`${nginx.url}/upload.html`);
}

/** Sends `file` from the bare page to nginx; checks the parts' sizes on disk, then deletes them. */
export async function uploadToNginx(
  page: Page,
  file: string,
  partSize: number,
  www: string,
  upload: number,
): Promise<{ seconds: number }> {
  await page.locator('#file').setInputFiles(file);
  const prefix = `/upload-${upload}`;
  type SendParts = (
    size: number,
    parallel: number,
    prefix: string,
  ) => Promise<{ seconds: number; count: number }>;
  const { seconds, count } = await page.evaluate(
    ([partSize, prefix, parallel]) =>
      (window as unknown as { sendParts: SendParts }).sendParts(partSize, parallel, prefix),
    [partSize, prefix, PARTS_IN_FLIGHT] as const,
  );
  const dir = path.join(www, prefix);
  const stored = readdirSync(dir).reduce((total, name) => total + statSync(path.join(dir, name)).size, 0);
  const size = statSync(file).size;
  if (stored !== size) throw new BenchError(`nginx stored ${stored} bytes of ${count} parts, sent ${size}`);
  rmSync(dir, { recursive: true });
  return { seconds };
}

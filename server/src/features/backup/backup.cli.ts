// `npm run backup -- <dir>`: asks the running embedded server (FILESHARE_URL, default
// http://127.0.0.1:8080) for a backup, as the administrator whose token is FILESHARE_TOKEN,
// and writes it to <dir>/backup.tar. PGlite belongs to the server's process, so the server makes it.
import { createWriteStream } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const dir = process.argv[2];
const token = process.env.FILESHARE_TOKEN;
if (dir === undefined || token === undefined) {
  console.error('Usage: FILESHARE_TOKEN=<an administrator’s token> npm run backup -- <directory>');
  process.exit(2);
}
const origin = process.env.FILESHARE_URL ?? 'http://127.0.0.1:8080';
const target = path.resolve(process.env.INIT_CWD ?? process.cwd(), dir);
await mkdir(target, { recursive: true });
const response = await fetch(`${origin}/api/v1/admin/backup`, {
  method: 'POST',
  headers: { authorization: `Bearer ${token}` },
});
if (!response.ok || response.body === null) {
  console.error(`The server refused the backup: ${response.status} ${await response.text()}`);
  process.exit(1);
}
// Written aside and renamed once whole, so a broken transfer never looks like a backup.
const partial = path.join(target, 'backup.tar.partial');
await pipeline(Readable.fromWeb(response.body as never), createWriteStream(partial));
await rename(partial, path.join(target, 'backup.tar'));
console.log(`backup written to ${path.join(target, 'backup.tar')}`);

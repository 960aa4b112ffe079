import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { openDeps } from '../src/platform/open.ts';
import { Api, signUp, uniqueName } from './client.ts';
import { driverSets, startServer } from './harness.ts';
import { tempDir } from './services.ts';

const RESTORE_CLI = fileURLToPath(new URL('../src/features/backup/restore.cli.ts', import.meta.url));

describe.runIf(driverSets().includes('embedded'))('backup and restore (embedded)', () => {
  it('restores every file that was complete before the backup, byte for byte, while uploads run', async () => {
    const server = await startServer('embedded');
    const work = await tempDir();
    try {
      const { api, token } = await signUp(server, uniqueName('admin'));
      const before = new Map<string, Buffer>();
      for (let i = 0; i < 5; i++) {
        const data = randomBytes(50_000 + i * 7_919);
        const node = await (await api.upload('root', `before-${i}.bin`, data)).json();
        before.set(node.id, data);
      }
      // Uploads keep arriving while the backup streams.
      const during = Array.from({ length: 6 }, (_, i) =>
        api.upload('root', `during-${i}.bin`, randomBytes(200_000)),
      );
      const response = await api.request('POST', '/admin/backup');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/x-tar');
      const archive = Buffer.from(await response.arrayBuffer());
      for (const upload of await Promise.all(during)) expect(upload.status).toBe(201);
      await mkdir(path.join(work.path, 'backup'));
      await writeFile(path.join(work.path, 'backup', 'backup.tar'), archive);

      const dataDir = path.join(work.path, 'restored');
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [RESTORE_CLI, path.join(work.path, 'backup')],
        {
          env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir },
        },
      );
      expect(stdout).toMatch(/^restored the database and \d+ blobs/);

      const config = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: dataDir });
      const app = await buildApp(await openDeps(config, pino({ level: 'silent' })));
      await app.listen({ port: 0, host: '127.0.0.1' });
      try {
        const { port } = app.server.address() as { port: number };
        const restored = new Api(`http://127.0.0.1:${port}`, token);
        for (const [id, data] of before) {
          const download = await restored.request('GET', `/files/${id}/content`);
          expect(download.status).toBe(200);
          expect(Buffer.from(await download.arrayBuffer()).equals(data)).toBe(true);
        }
      } finally {
        await app.close();
      }
    } finally {
      await server.close();
      await work.remove();
    }
  });

  it('refuses a backup to anyone but an administrator, and a restore into a used data directory', async () => {
    const server = await startServer('embedded');
    const work = await tempDir();
    try {
      await signUp(server, uniqueName('admin'));
      const { api } = await signUp(server, uniqueName());
      expect((await api.request('POST', '/admin/backup')).status).toBe(403);
      await writeFile(path.join(work.path, 'something'), 'here');
      const run = promisify(execFile)(process.execPath, [RESTORE_CLI, work.path], {
        env: { PATH: process.env.PATH ?? '', DATA_DIR: work.path },
      });
      await expect(run).rejects.toMatchObject({ code: 1 });
    } finally {
      await server.close();
      await work.remove();
    }
  });
});

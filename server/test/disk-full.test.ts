import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countBlobs, signUp, uniqueName } from './client.ts';
import { startServer, type TestServer } from './harness.ts';
import { tempDir } from './services.ts';

const run = promisify(execFile);

describe('a full disk (local directory driver)', () => {
  let server: TestServer;
  let mountPoint: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    mountPoint = await tempDir('fileshare-tiny-');
    try {
      await run('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mountPoint.path]);
    } catch (error) {
      throw new Error(
        `This test mounts a 2 MiB tmpfs to fill, which needs root: ${(error as Error).message}`,
      );
    }
    server = await startServer('embedded', { blobDir: mountPoint.path });
  });
  afterAll(async () => {
    await server?.close();
    await run('umount', [mountPoint.path]).catch(() => {});
    await mountPoint.remove();
  });

  it('answers 507, keeps no partial blob or file, and stores the next file that fits', async () => {
    const { api } = await signUp(server, uniqueName());
    const response = await api.upload('root', 'too-big.bin', randomBytes(3 * 1024 * 1024));
    expect(response.status).toBe(507);
    expect((await response.json()).error.code).toBe('storage_full');
    expect(await countBlobs(server)).toBe(0);
    expect(await readdir(`${mountPoint.path}/tmp`)).toEqual([]);
    expect((await api.expect(200, 'GET', '/folders/root')).children).toEqual([]);
    expect((await api.expect(200, 'GET', '/me')).usedBytes).toBe(0);

    const small = await api.upload('root', 'fits.bin', randomBytes(100_000));
    expect(small.status).toBe(201);
  });
});

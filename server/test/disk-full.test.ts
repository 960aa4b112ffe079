import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countBlobs, signUp, uniqueName } from './client.ts';
import { fillDisk, mountSmallDisk } from './faults/disk.ts';
import { startServer, type TestServer } from './harness.ts';

describe('a full disk (local directory driver)', () => {
  let server: TestServer;
  let disk: Awaited<ReturnType<typeof mountSmallDisk>>;

  beforeAll(async () => {
    disk = await mountSmallDisk('2m');
    server = await startServer('embedded', { blobDir: disk.path });
  });
  afterAll(async () => {
    await server?.close();
    await disk?.remove();
  });

  it('answers 507, keeps no partial blob or file, and stores the next file that fits', async () => {
    const { api } = await signUp(server, uniqueName());
    const response = await api.upload('root', 'too-big.bin', randomBytes(3 * 1024 * 1024));
    expect(response.status).toBe(507);
    expect((await response.json()).error.code).toBe('storage_full');
    expect(await countBlobs(server)).toBe(0);
    expect(await readdir(`${disk.path}/tmp`)).toEqual([]);
    expect((await api.expect(200, 'GET', '/folders/root')).children).toEqual([]);
    expect((await api.expect(200, 'GET', '/me')).usedBytes).toBe(0);

    const small = await api.upload('root', 'fits.bin', randomBytes(100_000));
    expect(small.status).toBe(201);
  });

  it('answers 507 to a new upload session when not even its directory fits, and reserves nothing', async () => {
    const { api } = await signUp(server, uniqueName());
    const before = await readdir(`${disk.path}/multipart`);
    const free = await fillDisk(disk.path);
    try {
      const response = await api.request('POST', '/uploads', {
        json: { parentId: 'root', name: 'no-room.bin', size: 1000 },
      });
      expect(response.status).toBe(507);
      expect((await response.json()).error.code).toBe('storage_full');
      expect((await api.expect(200, 'GET', '/me')).reservedBytes).toBe(0);
      expect(await readdir(`${disk.path}/multipart`)).toEqual(before);
    } finally {
      await free();
    }
    await api.expect(201, 'POST', '/uploads', { json: { parentId: 'root', name: 'room.bin', size: 1000 } });
  });
});

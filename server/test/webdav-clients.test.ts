import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Api } from './client.ts';
import { davSignUp, run } from './dav-client.ts';
import { driverSets, startServer, type TestServer } from './harness.ts';
import { tempDir } from './services.ts';

/** Names that a file system and a URL each read differently: spaces, %, #, ?, &, +, quotes, Unicode. */
const AWKWARD = [
  'a b  c.txt',
  '100% #1?.txt',
  'café & crème+plus.txt',
  `it's "quoted" <angled> back\\slash.txt`,
  '🎉 emoji;semi,comma=eq[1]{2}.bin',
];
const FOLDER = 'Folder, ümlauts & 50%';
const NESTED = 'nested #2 ?.txt';

/** davfs2 mounts only as root, through its own mount helper. */
async function assertDavfsUsable() {
  await run('mount.davfs', ['-V']).catch(() => {
    throw new Error('mount.davfs is missing: apt-get install davfs2');
  });
  if (process.getuid?.() !== 0) throw new Error('mounting davfs2 needs root: run the tests as root');
}

/** A folder's children by name, through the API. */
async function childrenOf(api: Api, folderId: string): Promise<Map<string, { id: string; kind: string }>> {
  const { children } = await api.expect(200, 'GET', `/folders/${folderId}`);
  return new Map(children.map((node: { id: string; name: string; kind: string }) => [node.name, node]));
}

async function contentOf(api: Api, fileId: string): Promise<Buffer> {
  const response = await api.request('GET', `/files/${fileId}/content`);
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

describe.each(driverSets())('WebDAV clients (%s)', (set) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer(set);
  });
  afterAll(() => server.close());

  it('davfs2: what is written through the mount is in the drive, and the drive reads through it', {
    timeout: 120_000,
  }, async () => {
    await assertDavfsUsable();
    const account = await davSignUp(server);
    const fromApi = randomBytes(70_000);
    expect((await account.api.upload('root', 'from the API.bin', fromApi)).status).toBe(201);

    const work = await tempDir();
    const mountPoint = path.join(work.path, 'mnt');
    const cache = path.join(work.path, 'cache');
    const url = `${server.origin}/dav/`;
    let mounted = false;
    try {
      // mount.davfs drops to the davfs2 user, which must reach and write its cache directory.
      await chmod(work.path, 0o755);
      await mkdir(mountPoint);
      await mkdir(cache);
      const { stdout: davfsGroup } = await run('id', ['-g', 'davfs2']);
      await chown(cache, 0, Number(davfsGroup.trim()));
      await chmod(cache, 0o775);
      await writeFile(
        path.join(work.path, 'secrets'),
        `${url} ${account.user.username} ${account.davPassword}\n`,
        { mode: 0o600 },
      );
      // buf_size: Linux asks for directory listings in 32 KiB reads, which davfs2's default
      // buffer of 16 KiB refuses (EINVAL, so `ls` fails on every folder).
      const conf = path.join(work.path, 'davfs2.conf');
      await writeFile(conf, `secrets ${work.path}/secrets\ncache_dir ${cache}\nbuf_size 64\n`);
      await run('mount', ['-t', 'davfs', '-o', `conf=${conf}`, url, mountPoint]);
      mounted = true;

      expect((await readFile(path.join(mountPoint, 'from the API.bin'))).equals(fromApi)).toBe(true);
      const written = new Map(AWKWARD.map((name, i) => [name, randomBytes(i === 4 ? 300_000 : 10 + i)]));
      for (const [name, data] of written) await writeFile(path.join(mountPoint, name), data);
      await mkdir(path.join(mountPoint, FOLDER));
      const nested = Buffer.from('inside the folder\n');
      await writeFile(path.join(mountPoint, FOLDER, NESTED), nested);
      expect((await readdir(mountPoint)).sort()).toEqual(
        [...written.keys(), FOLDER, 'from the API.bin', 'lost+found'].sort(),
      );

      // Unmounting waits for davfs2 to send what it still holds in its cache.
      await run('umount', [mountPoint]);
      mounted = false;

      const root = await childrenOf(account.api, 'root');
      expect([...root.keys()].sort()).toEqual([...written.keys(), FOLDER, 'from the API.bin'].sort());
      for (const [name, data] of written) {
        const node = root.get(name);
        expect(node?.kind, name).toBe('file');
        expect((await contentOf(account.api, node?.id ?? '')).equals(data), name).toBe(true);
      }
      const folder = root.get(FOLDER);
      expect(folder?.kind).toBe('folder');
      const inFolder = await childrenOf(account.api, folder?.id ?? '');
      expect([...inFolder.keys()]).toEqual([NESTED]);
      expect(await contentOf(account.api, inFolder.get(NESTED)?.id ?? '')).toEqual(nested);
    } finally {
      if (mounted) await run('umount', [mountPoint]).catch(() => {});
      await work.remove();
    }
  });
});

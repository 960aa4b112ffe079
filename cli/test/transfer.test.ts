import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { driverSets } from '../../server/test/harness.ts';
import { cliWorld } from './cli-world.ts';

const MIB = 1024 * 1024;

/** A tree with awkward names: spaces, accents, quotes, a leading dash, an empty folder, a multi-part file. */
async function makeTree(root: string) {
  await mkdir(path.join(root, 'Photos 2026', 'été à Paris'), { recursive: true });
  await mkdir(path.join(root, 'Photos 2026', 'empty'), { recursive: true });
  await mkdir(path.join(root, '-dash', 'it\'s "quoted"'), { recursive: true });
  await writeFile(path.join(root, 'Photos 2026', 'été à Paris', 'plage (1).jpg'), randomBytes(3000));
  await writeFile(path.join(root, 'Photos 2026', 'notes.txt'), 'hello\n');
  await writeFile(path.join(root, '-dash', 'it\'s "quoted"', 'zero'), '');
  await writeFile(path.join(root, '-dash', '数据.bin'), randomBytes(20 * MIB + 17));
}

describe.each(driverSets())('put and get (%s)', (set) => {
  const world = cliWorld(set);

  test('a folder tree goes up and comes back byte for byte; ls, mkdir and df see it', async () => {
    await world.ok(['login', world.server.origin, '-u', world.username]);
    const local = path.join(world.scratch, 'tree');
    await makeTree(local);
    await world.ok(['mkdir', '-p', '/Backups/2026']);
    const put = JSON.parse(await world.ok(['--json', 'put', local, '/Backups/2026']));
    expect(put.files).toHaveLength(4);
    expect(put.files.find((file: { name: string }) => file.name === '数据.bin').partCount).toBe(3);

    expect(await world.ok(['ls', '/Backups/2026/tree'])).toBe('-dash/\nPhotos 2026/\n');
    const long = await world.ok(['ls', '--long', '/Backups/2026/tree/-dash']);
    expect(long).toMatch(/^d +- +\S+ \S+ {2}it's "quoted"\/\n- +20 MiB +\S+ \S+ {2}数据\.bin\n$/);
    const listed = JSON.parse(await world.ok(['ls', '--json', '/Backups/2026/tree/Photos 2026']));
    expect(listed.map((node: { name: string }) => node.name)).toEqual(['empty', 'été à Paris', 'notes.txt']);
    const df = JSON.parse(await world.ok(['df', '--json']));
    expect(df.usedBytes).toBe(20 * MIB + 17 + 3000 + 6);

    const back = path.join(world.scratch, 'back');
    await mkdir(back);
    await world.ok(['get', '/Backups/2026/tree', back]);
    // diff exits non-zero (and execFileSync throws) on any difference.
    expect(execFileSync('diff', ['-r', local, path.join(back, 'tree')]).toString()).toBe('');
  });

  test('put again: unchanged files are left alone; --on-conflict decides for changed ones', async () => {
    const file = path.join(world.scratch, 'report.txt');
    await writeFile(file, 'first');
    await world.ok(['put', file, '/']);
    expect((await world.run(['put', file, '/'])).stderr).toContain('already there, unchanged');
    await writeFile(file, 'second');
    const refused = await world.run(['put', file, '/']);
    expect(refused.code).toBe(7);
    expect(refused.stderr).toContain('already exists');
    await world.ok(['put', '--on-conflict', 'rename', file, '/']);
    await writeFile(file, 'third');
    await world.ok(['put', '--on-conflict', 'replace', file, '/']);
    expect(await world.ok(['ls', '/'])).toBe('Backups/\nreport (2).txt\nreport.txt\n');
    const out = path.join(world.scratch, 'out.txt');
    await world.ok(['get', '/report.txt', out]);
    expect(await readFile(out, 'utf8')).toBe('third');
    await world.ok(['get', '/report (2).txt', out]);
    expect(await readFile(out, 'utf8')).toBe('second');
  });

  test('what is not there is "not found" (exit 4) with one line on standard error', async () => {
    for (const args of [
      ['ls', '/nope'],
      ['get', '/Backups/nope.txt', world.scratch],
      ['put', '/no/such/file', '/'],
    ]) {
      const result = await world.run(args);
      expect(result.code, args.join(' ')).toBe(4);
      expect(result.stderr).toMatch(/^fileshare: [^\n]+: (not found|no such file or folder)\n$/);
    }
  });
});

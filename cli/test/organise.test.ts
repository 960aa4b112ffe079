import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { driverSets } from '../../server/test/harness.ts';
import { cliWorld } from './cli-world.ts';

describe.each(driverSets())('moving, trashing, sharing and searching (%s)', (set) => {
  const world = cliWorld(set);

  test('mv renames and moves; cp says the server has no copy; rm, trash, restore and rm --purge', async () => {
    await world.ok(['login', world.server.origin, '-u', world.username]);
    const file = path.join(world.scratch, 'draft.txt');
    await writeFile(file, 'words');
    await world.ok(['mkdir', '/Docs']);
    expect((await world.run(['mkdir', '/Docs'])).code).toBe(7);
    await world.ok(['put', file, '/']);
    await world.ok(['mv', '/draft.txt', '/Docs']);
    await world.ok(['mv', '/Docs/draft.txt', '/Docs/final.txt']);
    expect(await world.ok(['ls', '/Docs'])).toBe('final.txt\n');

    const copy = await world.run(['cp', '/Docs/final.txt', '/Docs/copy.txt']);
    expect(copy.code).toBe(1);
    expect(copy.stderr).toBe('fileshare: cp: copying is not supported by the server\n');

    await world.ok(['rm', '/Docs/final.txt']);
    expect(await world.ok(['ls', '/Docs'])).toBe('');
    expect(await world.ok(['trash'])).toMatch(/^\S+ {2}final\.txt\n$/);
    await world.ok(['restore', 'final.txt']);
    expect(await world.ok(['ls', '/Docs'])).toBe('final.txt\n');
    expect(JSON.parse(await world.ok(['df', '--json'])).usedBytes).toBe(5);
    await world.ok(['rm', '--purge', '/Docs/final.txt']);
    expect(await world.ok(['trash'])).toBe('');
    expect(JSON.parse(await world.ok(['df', '--json'])).usedBytes).toBe(0);
    expect((await world.run(['restore', 'final.txt'])).code).toBe(4);
  });

  test('share prints a URL whose token downloads the file; --password and --max-downloads are kept', async () => {
    const file = path.join(world.scratch, 'report.pdf');
    await writeFile(file, 'the report');
    await world.ok(['put', file, '/Docs']);
    const url = (await world.ok(['share', '/Docs/report.pdf', '--expires', '7d'])).trim();
    expect(url).toMatch(/^http:\/\/\S+\/s\/[\w-]+$/);
    const token = url.split('/').at(-1) as string;
    const download = await fetch(`${world.server.origin}/api/v1/public/${token}/content`);
    expect(download.status).toBe(200);
    expect(await download.text()).toBe('the report');

    const guarded = JSON.parse(
      await world.ok([
        '--json',
        'share',
        '/Docs/report.pdf',
        '--password',
        's3cret pass',
        '--max-downloads',
        '2',
      ]),
    );
    expect(guarded).toMatchObject({ hasPassword: true, maxDownloads: 2, kind: 'link' });
    expect((await fetch(`${world.server.origin}/api/v1/public/${guarded.token}/content`)).status).not.toBe(
      200,
    );
    const drop = JSON.parse(await world.ok(['--json', 'share', '/Docs', '--drop']));
    expect(drop.kind).toBe('drop');
  });

  test('search finds by every word with the folder it is in', async () => {
    const file = path.join(world.scratch, 'Été à Paris.jpg');
    await writeFile(file, 'jpeg');
    await world.ok(['mkdir', '-p', '/Photos/2026']);
    await world.ok(['put', file, '/Photos/2026']);
    expect(await world.ok(['search', 'paris', 'ete'])).toBe('/Photos/2026/Été à Paris.jpg\n');
    expect(await world.ok(['search', 'nothing-like-this'])).toBe('');
  });
});

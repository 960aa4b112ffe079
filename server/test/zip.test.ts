import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, uniqueName } from './client.ts';
import { driverSets, startServer, type TestServer } from './harness.ts';
import { tempDir } from './services.ts';
import { unzipped as readZip } from './unzip.ts';
import { startUpload, uploadAll } from './uploads-client.ts';

const run = promisify(execFile);

describe.each(driverSets())('downloading a selection as one zip (%s)', (set) => {
  let server: TestServer;
  let scratch: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    server = await startServer(set);
    scratch = await tempDir();
  });
  afterAll(async () => {
    await server.close();
    await scratch.remove();
  });

  const unzipped = (zip: Buffer) => readZip(scratch.path, zip);

  it('streams folders with their contents and files, leaving out the trash, decompressing gzip files', async () => {
    const { api } = await signUp(server, uniqueName());
    const photos = await api.expect(201, 'POST', '/folders', { json: { parentId: 'root', name: 'Photos' } });
    const trip = await api.expect(201, 'POST', '/folders', { json: { parentId: photos.id, name: 'Trip' } });
    await api.expect(201, 'POST', '/folders', { json: { parentId: photos.id, name: 'Empty' } });
    const old = await api.expect(201, 'POST', '/folders', { json: { parentId: photos.id, name: 'Old' } });
    const a = randomBytes(300_000);
    const b = randomBytes(1000);
    await api.upload(trip.id, 'a.jpg', a);
    await api.upload(old.id, 'gone.jpg', b);
    await api.expect(204, 'DELETE', `/nodes/${old.id}`);
    const text = Buffer.from('compressible '.repeat(10_000));
    const compressed = gzipSync(text);
    const session = await startUpload(api, {
      parentId: photos.id,
      name: 'notes.txt',
      size: text.length,
      storedSize: compressed.length,
      encoding: 'gzip',
    });
    await uploadAll(api, session, compressed);
    await api.expect(201, 'POST', `/uploads/${session.id}/complete`);
    const loose = await (await api.upload('root', 'loose.bin', b)).json();

    const response = await api.request('GET', `/zip?ids=${photos.id}&ids=${loose.id}&name=my%20things`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    expect(response.headers.get('content-disposition')).toContain("filename*=UTF-8''my%20things.zip");
    const contents = await unzipped(Buffer.from(await response.arrayBuffer()));
    expect([...contents.keys()].sort()).toEqual(
      [
        'Photos/',
        'Photos/Empty/',
        'Photos/Trip/',
        'Photos/Trip/a.jpg',
        'Photos/notes.txt',
        'loose.bin',
      ].sort(),
    );
    expect(contents.get('Photos/Trip/a.jpg')?.equals(a)).toBe(true);
    expect(contents.get('Photos/notes.txt')?.equals(text)).toBe(true);
    expect(contents.get('loose.bin')?.equals(b)).toBe(true);
  });

  it('names every entry so that any extractor, Windows included, writes it inside the folder and keeps it', async () => {
    const { api } = await signUp(server, uniqueName());
    const zipme = await api.expect(201, 'POST', '/folders', { json: { parentId: 'root', name: 'zipme' } });
    const a = await api.expect(201, 'POST', '/folders', { json: { parentId: zipme.id, name: 'a' } });
    const upper = await api.expect(201, 'POST', '/folders', { json: { parentId: zipme.id, name: 'Docs' } });
    const lower = await api.expect(201, 'POST', '/folders', { json: { parentId: zipme.id, name: 'docs' } });
    const files: [string, string][] = [
      [zipme.id, '..\\..\\evil.txt'],
      [zipme.id, 'a\\b'],
      [a.id, 'b'],
      [zipme.id, 'trail\\'],
      [zipme.id, 'CON.txt'],
      [zipme.id, 'x:y?.txt'],
      [zipme.id, 'ends with dot.'],
      [zipme.id, 'Report.pdf'],
      [zipme.id, 'report.pdf'],
      [upper.id, 'f'],
      [lower.id, 'f'],
    ];
    const bodies = new Map<string, Buffer>();
    for (const [folder, name] of files) {
      const body = randomBytes(100);
      expect((await api.upload(folder, name, body)).status, name).toBe(201);
      bodies.set(`${folder}/${name}`, body);
    }
    const response = await api.request('GET', `/zip?ids=${zipme.id}`);
    expect(response.status).toBe(200);
    const zip = Buffer.from(await response.arrayBuffer());
    const contents = await unzipped(zip);
    const names = [...contents.keys()];
    for (const name of names) {
      const segments = name.replace(/\/$/, '').split('/');
      expect(segments[0], name).toBe('zipme');
      for (const segment of segments) {
        expect(segment, name).not.toMatch(/^\.{1,2}$|^$|[\\<>:"|?*]|[. ]$/);
        expect(segment, name).not.toMatch(/^(con|prn|aux|nul|com\d|lpt\d)(\.|$)/i);
      }
    }
    const folded = names.map((name) => name.toLowerCase());
    expect(new Set(folded).size, names.join('\n')).toBe(names.length);
    // Every file is there, with its own bytes (none became a folder, none overwrote another).
    const fileNames = names.filter((name) => !name.endsWith('/'));
    expect(fileNames.length).toBe(files.length);
    expect(
      [...contents.values()]
        .filter((data) => data.length > 0)
        .map((data) => data.toString('hex'))
        .sort(),
    ).toEqual([...bodies.values()].map((data) => data.toString('hex')).sort());
    expect(contents.get('zipme/a/b')?.equals(bodies.get(`${a.id}/b`) as Buffer)).toBe(true);

    // Extracted, everything lands inside the target folder, and nowhere else.
    const outside = path.join(scratch.path, crypto.randomUUID());
    const target = path.join(outside, 'inner', 'target');
    await mkdir(target, { recursive: true });
    const file = path.join(outside, 'selection.zip');
    await writeFile(file, zip);
    await run('unzip', ['-q', file, '-d', target]);
    const extracted = (await readdir(outside, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(outside, path.join(entry.parentPath, entry.name)));
    expect(extracted.sort()).toEqual(
      ['selection.zip', ...fileNames.map((name) => path.join('inner', 'target', name))].sort(),
    );
    for (const name of fileNames)
      expect((await readFile(path.join(target, name))).equals(contents.get(name) as Buffer)).toBe(true);
  });

  it('answers 404 when any id is someone else’s, or in the trash', async () => {
    const owner = await signUp(server, uniqueName());
    const stranger = await signUp(server, uniqueName());
    const mine = await (await owner.api.upload('root', 'mine.bin', 'x')).json();
    const theirs = await (await stranger.api.upload('root', 'theirs.bin', 'y')).json();
    expect((await owner.api.request('GET', `/zip?ids=${mine.id}&ids=${theirs.id}`)).status).toBe(404);
    await owner.api.expect(204, 'DELETE', `/nodes/${mine.id}`);
    expect((await owner.api.request('GET', `/zip?ids=${mine.id}`)).status).toBe(404);
  });
});

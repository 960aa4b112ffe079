/**
 * A data directory written by an old build (8a6aade, before the PGlite template, the new start
 * settings and the migrations since) opens in today's build with nothing lost. The directory is
 * a fixture the old build made through its API (test/fixtures/upgrade/make-fixture.ts); what it
 * holds is in expected.json, as the generator sent it, so nothing here trusts today's answers.
 */
import { createWriteStream, readFileSync } from 'node:fs';
import { chmod, mkdir, symlink, utimes } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { zstdDecompressSync } from 'node:zlib';
import { extract } from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, stopProcess, waitUntil } from '../../tools/processes.ts';
import { Api } from './client.ts';
import { type Content, contentOf, type StoredFile, sha256Of } from './fixtures/upgrade/content.ts';
import { driverSets } from './harness.ts';
import { killStartedServers, spawnServer, untilHealthy } from './server-process.ts';
import { tempDir } from './services.ts';
import { partOf, type Session, sendPart, startUpload, uploadAll } from './uploads-client.ts';

const FIXTURES = path.join(import.meta.dirname, 'fixtures', 'upgrade');

type ExpectedFile = StoredFile & { path: string };

const expected = JSON.parse(readFileSync(path.join(FIXTURES, 'expected.json'), 'utf8')) as {
  build: string;
  user: { username: string; password: string; id: string; tokens: string[]; signedOutToken: string };
  member: { username: string; password: string; id: string; viewerOf: string };
  folders: { path: string; id: string }[];
  files: ExpectedFile[];
  trashed: string[];
  starred: string[];
  links: { token: string; path: string; password: string | null }[];
  openUpload: {
    id: string;
    path: string;
    size: number;
    sha256: string;
    partSize: number;
    partCount: number;
    sent: number[];
    remaining: number[];
    content: Content;
  };
  usage: { usedBytes: number; reservedBytes: number };
};

/** Unpacks the fixture's tar into `dir`, with the modes and times the old build left. */
async function unpack(archive: Buffer, dir: string) {
  const entries = extract();
  const times: [string, Date][] = [];
  Readable.from([archive]).pipe(entries);
  for await (const entry of entries) {
    const { name, type, mode, mtime, linkname } = entry.header;
    const target = path.join(dir, name);
    if (!target.startsWith(`${dir}${path.sep}`)) throw new Error(`the fixture holds ${name}`);
    if (type === 'directory') await mkdir(target, { recursive: true });
    else if (type === 'symlink' && linkname) await symlink(linkname, target);
    else if (type === 'file') await pipeline(entry, createWriteStream(target));
    else throw new Error(`${name}: a ${type} entry`);
    entry.resume();
    if (type !== 'symlink' && mode !== undefined) await chmod(target, mode);
    if (mtime !== undefined && type !== 'symlink') times.push([target, mtime]);
  }
  // Deepest first, so that writing a folder's entries does not move its time again.
  for (const [target, mtime] of times.reverse()) await utimes(target, mtime, mtime);
}

/** Today's server as `npm start` runs it, on `dataDir`, up and answering. */
async function startToday(dataDir: string, extraEnv: Record<string, string> = {}) {
  const port = await freePort();
  const server = spawnServer({ LOG_LEVEL: 'info', DATA_DIR: dataDir, PORT: String(port), ...extraEnv });
  const origin = `http://127.0.0.1:${port}`;
  await untilHealthy(origin, server);
  return { ...server, api: new Api(origin) };
}

type Server = Awaited<ReturnType<typeof startToday>>;

async function stop(server: Server) {
  await stopProcess(server.child, 'SIGTERM', 15_000);
  expect(server.child.exitCode, server.output()).toBe(0);
}

async function signIn(api: Api, who: { username: string; password: string }) {
  api.token = (await api.expect(200, 'POST', '/auth/login', { json: who })).token;
}

async function sha256Downloaded(api: Api, route: string, headers: Record<string, string> = {}) {
  const response = await api.request('GET', route, { headers });
  expect(response.status, route).toBe(200);
  return sha256Of(new Uint8Array(await response.arrayBuffer()));
}

/** Every node under the root that is not in the trash, by its path: each folder listed in full. */
async function walk(api: Api) {
  const found = new Map<
    string,
    { id: string; kind: string; size: number | null } & Record<string, unknown>
  >();
  async function list(id: string, prefix: string) {
    const page = await api.expect(200, 'GET', `/folders/${id}?limit=1000`);
    expect(page.nextCursor).toBeNull();
    for (const child of page.children) {
      const at = prefix === '' ? child.name : `${prefix}/${child.name}`;
      found.set(at, child);
      if (child.kind === 'folder') await list(child.id, at);
    }
  }
  await list('root', '');
  return found;
}

const inTrash = (p: string) => expected.trashed.some((t) => p === t || p.startsWith(`${t}/`));
const fileAt = (p: string) => {
  const file = expected.files.find((f) => f.path === p);
  if (file === undefined) throw new Error(`expected.json has no file ${p}`);
  return file;
};
const fileFields = (file: ExpectedFile) => ({
  id: file.id,
  kind: 'file',
  size: file.size,
  storedSize: file.storedSize,
  encoding: file.encoding,
  contentType: file.contentType,
  sha256: file.sha256,
});

describe.runIf(driverSets().includes('embedded'))(`a data directory made by ${expected.build}`, () => {
  let data: Awaited<ReturnType<typeof tempDir>>;
  let dataDir: string;
  let server: Server;
  let api: Api;

  beforeAll(async () => {
    data = await tempDir('fileshare-upgrade-');
    dataDir = path.join(data.path, 'data');
    await mkdir(dataDir);
    await unpack(
      zstdDecompressSync(readFileSync(path.join(FIXTURES, `data-${expected.build}.tar.zst`))),
      dataDir,
    );
    // The collector sweeps every second from the start, through the old blobs and the open
    // upload's parts (a minute old at least, as the fixture's files are, being restored with their times).
    server = await startToday(dataDir, { GC_INTERVAL_SECONDS: '1', GC_GRACE_SECONDS: '60', METRICS: 'on' });
    api = server.api;
  }, 120_000);
  afterAll(async () => {
    // A test that failed half-way must not leave a server running.
    killStartedServers();
    await data.remove();
  });

  it('opens the old cluster as it is, without initdb', () => {
    expect(server.output()).not.toContain('ran initdb');
  });

  it('sweeps the old directory and finds nothing in it to remove', async () => {
    const metrics = async () => (await fetch(`${api.origin}/metrics`)).text();
    const runs = async () => Number(/^fileshare_gc_runs_total (\d+)$/m.exec(await metrics())?.[1] ?? 0);
    await waitUntil('two sweeps', async () => (await runs()) >= 2, {
      timeoutMs: 20_000,
      child: server.child,
    });
    const removed = [...(await metrics()).matchAll(/^fileshare_gc_removed_total\{[^}]*\} (\d+)$/gm)];
    expect(removed.map((line) => Number(line[1]))).toEqual(removed.map(() => 0));
    expect(server.output()).not.toMatch(/gc: (swept|sweep failed|could not list)/);
  });

  it('signs the user in with the old password, keeps the old sessions, and not the one signed out', async () => {
    await signIn(api, expected.user);
    for (const token of expected.user.tokens) {
      const me = await api.expect(200, 'GET', '/me', { token });
      expect(me).toMatchObject({ id: expected.user.id, username: expected.user.username, isAdmin: true });
    }
    expect((await api.request('GET', '/me', { token: expected.user.signedOutToken })).status).toBe(401);
    expect(
      (await api.request('POST', '/auth/login', { json: { ...expected.user, password: 'wrong' } })).status,
    ).toBe(401);
  });

  it('lists every folder and file where it was, and nothing else', async () => {
    const found = await walk(api);
    const folders = expected.folders.filter((f) => !inTrash(f.path));
    const files = expected.files.filter((f) => !inTrash(f.path));
    expect([...found.keys()].sort()).toEqual(
      [...folders.map((f) => f.path), ...files.map((f) => f.path)].sort(),
    );
    for (const folder of folders)
      expect(found.get(folder.path)).toMatchObject({ id: folder.id, kind: 'folder' });
    for (const file of files) expect(found.get(file.path), file.path).toMatchObject(fileFields(file));
  });

  it('gives back every file byte for byte, the gzip-stored one inflated or as it is stored', async () => {
    for (const file of expected.files.filter((f) => !inTrash(f.path))) {
      expect(await sha256Downloaded(api, `/files/${file.id}/content`), file.path).toBe(file.sha256);
    }
    const gzipped = expected.files.find((f) => f.encoding === 'gzip');
    if (gzipped === undefined) throw new Error('expected.json has no gzip-stored file');
    for (const encoding of ['identity', 'gzip']) {
      const response = await api.request('GET', `/files/${gzipped.id}/content`, {
        headers: { 'accept-encoding': encoding },
      });
      expect(response.status).toBe(200);
      // fetch inflates what comes with Content-Encoding: gzip, the old build's stored bytes here.
      expect(response.headers.get('content-encoding')).toBe(encoding === 'gzip' ? 'gzip' : null);
      expect(sha256Of(new Uint8Array(await response.arrayBuffer()))).toBe(gzipped.sha256);
    }
  });

  it('finds old names by search, accents folded, and keeps the star', async () => {
    const names = (page: { items: { node: { name: string } }[] }) => page.items.map((item) => item.node.name);
    expect(names(await api.expect(200, 'GET', '/search?q=ile%20de%20re'))).toEqual(['Île de Ré']);
    expect(names(await api.expect(200, 'GET', '/search?q=final'))).toEqual(['q2 (final).pdf']);
    const starred = await api.expect(200, 'GET', '/starred');
    expect(starred.items.map((item: { node: { id: string } }) => item.node.id)).toEqual(
      expected.starred.map((p) => fileAt(p).id),
    );
  });

  it('still counts every stored byte, the trash’s too, and the open upload’s reservation', async () => {
    const sum = expected.files.reduce((total, file) => total + file.storedSize, 0);
    expect(sum).toBe(expected.usage.usedBytes);
    const me = await api.expect(200, 'GET', '/me');
    expect(me.usedBytes).toBe(sum);
    expect(me.reservedBytes).toBe(expected.openUpload.size);
  });

  it('lets the folder’s member see it still', async () => {
    const member = new Api(api.origin);
    await signIn(member, expected.member);
    const shared = await member.expect(200, 'GET', '/shared');
    const viewerOf = expected.folders.find((f) => f.path === expected.member.viewerOf);
    expect(
      shared.items.map((item: { node: { id: string }; role: string; owner: { id: string } }) => [
        item.node.id,
        item.role,
        item.owner.id,
      ]),
    ).toEqual([[viewerOf?.id, 'viewer', expected.user.id]]);
  });

  it('keeps the password link locked without its password and opens it with it', async () => {
    const link = expected.links.find((l) => l.password !== null);
    if (link?.password == null) throw new Error('expected.json has no link with a password');
    const anyone = new Api(api.origin);
    const info = await anyone.expect(200, 'GET', `/public/${link.token}`);
    expect(info).toMatchObject({ passwordRequired: true, unlocked: false, node: { name: 'q1.pdf' } });
    const locked = await anyone.request('GET', `/public/${link.token}/content`);
    expect(locked.status).toBe(401);
    expect((await locked.json()).error.code).toBe('share_locked');
    const wrong = await anyone.request('POST', `/public/${link.token}/unlock`, {
      json: { password: 'nope' },
    });
    expect(wrong.status).toBe(401);
    const { access } = await anyone.expect(200, 'POST', `/public/${link.token}/unlock`, {
      json: { password: link.password },
    });
    expect(
      await sha256Downloaded(anyone, `/public/${link.token}/content`, { 'x-share-access': access }),
    ).toBe(fileAt(link.path).sha256);
  });

  it('opens the folder link without a password, its tree and files with it', async () => {
    const link = expected.links.find((l) => l.password === null);
    if (link === undefined) throw new Error('expected.json has no link without a password');
    const anyone = new Api(api.origin);
    const root = await anyone.expect(200, 'GET', `/public/${link.token}/folders/root`);
    const under = (p: string) =>
      p.startsWith(`${link.path}/`) && !p.slice(link.path.length + 1).includes('/');
    expect(root.items.map((n: { name: string }) => n.name).sort()).toEqual(
      [...expected.folders, ...expected.files]
        .filter((n) => under(n.path))
        .map((n) => n.path.slice(link.path.length + 1))
        .sort(),
    );
    const video = expected.files.find((f) => under(f.path) && f.size > 0);
    if (video === undefined) throw new Error('expected.json has no file in the folder link');
    expect(await sha256Downloaded(anyone, `/public/${link.token}/files/${video.id}/content`)).toBe(
      video.sha256,
    );
  });

  it('holds what was trashed in the trash, and restores it where it was', async () => {
    const trash = await api.expect(200, 'GET', '/trash');
    const idOf = (p: string) => expected.folders.find((f) => f.path === p)?.id ?? fileAt(p).id;
    expect(trash.items.map((n: { id: string }) => n.id).sort()).toEqual(expected.trashed.map(idOf).sort());
    for (const p of expected.trashed) await api.expect(200, 'POST', `/nodes/${idOf(p)}/restore`);
    expect((await api.expect(200, 'GET', '/trash')).items).toEqual([]);
    const found = await walk(api);
    for (const file of expected.files.filter((f) => inTrash(f.path))) {
      expect(found.get(file.path), file.path).toMatchObject(fileFields(file));
      expect(await sha256Downloaded(api, `/files/${file.id}/content`)).toBe(file.sha256);
    }
  });

  it('resumes the upload left open: sends the parts that never arrived and completes it', async () => {
    const open = expected.openUpload;
    const listed = await api.expect(200, 'GET', '/uploads');
    expect(listed.uploads.map((u: { id: string }) => u.id)).toEqual([open.id]);
    const session = await api.expect<Session>(200, 'GET', `/uploads/${open.id}`);
    expect(session).toMatchObject({ status: 'open', partSize: open.partSize, partCount: open.partCount });
    expect(session.uploadedParts.map((p) => p.number).sort()).toEqual([...open.sent].sort());
    const bytes = contentOf(open.content);
    expect(sha256Of(bytes)).toBe(open.sha256);
    for (const number of open.remaining) {
      const response = await sendPart(api, session, number, partOf(session, bytes, number));
      expect(response.status, await response.clone().text()).toBe(200);
    }
    const node = await api.expect(201, 'POST', `/uploads/${open.id}/complete`);
    const parent = expected.folders.find((f) => f.path === path.posix.dirname(open.path));
    expect(node).toMatchObject({
      name: path.posix.basename(open.path),
      parentId: parent?.id,
      size: open.size,
      sha256: open.sha256,
    });
    expect(await sha256Downloaded(api, `/files/${node.id}/content`)).toBe(open.sha256);
    const me = await api.expect(200, 'GET', '/me');
    expect(me).toMatchObject({ usedBytes: expected.usage.usedBytes + open.size, reservedBytes: 0 });
  });

  it('serves the old files over WebDAV with an app password, both made since', async () => {
    const { password } = await api.expect(201, 'POST', '/me/app-passwords', {
      json: { name: 'after the upgrade', scope: 'read' },
    });
    const authorization = `Basic ${Buffer.from(`${expected.user.username}:${password}`).toString('base64')}`;
    const photo = fileAt(expected.starred[0] ?? '');
    const davPath = photo.path.split('/').map(encodeURIComponent).join('/');
    const response = await fetch(`${api.origin}/dav/${davPath}`, { headers: { authorization } });
    expect(response.status).toBe(200);
    expect(sha256Of(new Uint8Array(await response.arrayBuffer()))).toBe(photo.sha256);
    const listing = await fetch(`${api.origin}/dav/Documents/`, {
      method: 'PROPFIND',
      headers: { authorization, depth: '1' },
    });
    expect(listing.status).toBe(207);
    expect(await listing.text()).toContain('Reports%202024');
  });

  const added = {
    name: 'after the upgrade.bin',
    bytes: contentOf({ kind: 'random', seed: 'new', size: 70_000 }),
  };

  it('takes new uploads, one request and a session', async () => {
    const documents = expected.folders.find((f) => f.path === 'Documents');
    const put = await api.upload(documents?.id ?? 'root', added.name, new Uint8Array(added.bytes));
    expect(put.status).toBe(201);
    expect(await sha256Downloaded(api, `/files/${(await put.json()).id}/content`)).toBe(
      sha256Of(added.bytes),
    );
    const session = await startUpload(api, {
      name: 'session after the upgrade.bin',
      size: added.bytes.length,
    });
    await uploadAll(api, session, added.bytes);
    const node = await api.expect(201, 'POST', `/uploads/${session.id}/complete`);
    expect(node.sha256).toBe(sha256Of(added.bytes));
  });

  it('starts again on the same directory with all of it', async () => {
    await stop(server);
    server = await startToday(dataDir);
    api = server.api;
    await signIn(api, expected.user);
    const found = await walk(api);
    for (const file of expected.files)
      expect(found.get(file.path), file.path).toMatchObject(fileFields(file));
    expect(found.get(expected.openUpload.path)).toMatchObject({ size: expected.openUpload.size });
    expect(found.get(`Documents/${added.name}`)).toMatchObject({ size: added.bytes.length });
    const photo = fileAt(expected.starred[0] ?? '');
    expect(await sha256Downloaded(api, `/files/${photo.id}/content`)).toBe(photo.sha256);
    const footage = found.get(expected.openUpload.path);
    expect(await sha256Downloaded(api, `/files/${footage?.id}/content`)).toBe(expected.openUpload.sha256);
    const sizes = expected.files.reduce((total, file) => total + file.storedSize, 0);
    expect((await api.expect(200, 'GET', '/me')).usedBytes).toBe(
      sizes + expected.openUpload.size + 2 * added.bytes.length,
    );
    await stop(server);
  }, 120_000);
});

import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import {
  makePgliteTemplate,
  openPglite,
  type PgliteOptions,
  pgliteDir,
  rowsOf,
} from '../src/platform/database/database.ts';
import { writeTemplate } from '../src/platform/database/pglite-template.ts';
import { openDeps } from '../src/platform/open.ts';
import { Api, uniqueName } from './client.ts';
import { driverSets } from './harness.ts';
import { tempDir } from './services.ts';

const JOURNAL = fileURLToPath(new URL('../drizzle/meta/_journal.json', import.meta.url));
const MIGRATIONS = (JSON.parse(readFileSync(JOURNAL, 'utf8')) as { entries: unknown[] }).entries.length;

/** The app on PGlite under `dataDir`, its cluster opened as `template` says, listening on a free port. */
async function startOn(dataDir: string, template: PgliteOptions['template']) {
  const config = loadConfig({ LOG_LEVEL: 'silent', REGISTRATION: 'open', DATA_DIR: dataDir });
  const database = await openPglite(pgliteDir(dataDir), { template });
  const app = await buildApp(await openDeps(config, pino({ level: 'silent' }), { database }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { app, database, api: new Api(`http://127.0.0.1:${port}`), close: () => app.close() };
}

type Started = Awaited<ReturnType<typeof startOn>>;

/** What a user stores: an account, a folder, a file in it. */
async function storeSomething(server: Started, username: string, password: string) {
  const { token } = await server.api.expect(201, 'POST', '/auth/register', { json: { username, password } });
  server.api.token = token;
  const folder = await server.api.expect(201, 'POST', '/folders', {
    json: { parentId: 'root', name: 'Résumés' },
  });
  const upload = await server.api.upload(folder.id, 'notes.txt', `notes of ${username}`);
  expect(upload.status).toBe(201);
  return { folderId: folder.id as string, fileId: ((await upload.json()) as { id: string }).id };
}

/** Signs in again and finds what `storeSomething` left: the folder, by search, and the file's bytes. */
async function findIt(server: Started, username: string, password: string, stored: { fileId: string }) {
  const { token } = await server.api.expect(200, 'POST', '/auth/login', { json: { username, password } });
  server.api.token = token;
  const found = await server.api.expect(200, 'GET', `/search?q=${encodeURIComponent('resume')}`);
  expect(found.items.map((item: { node: { name: string } }) => item.node.name)).toEqual(['Résumés']);
  const download = await server.api.request('GET', `/files/${stored.fileId}/content`);
  expect(download.status).toBe(200);
  expect(await download.text()).toBe(`notes of ${username}`);
}

async function appliedMigrations(server: Started) {
  const result = await server.database.db.execute(
    'select count(*)::int as n from drizzle.__drizzle_migrations',
  );
  return rowsOf<{ n: number }>(result)[0]?.n;
}

describe.runIf(driverSets().includes('embedded'))('PGlite template', () => {
  const dirs: { remove(): Promise<void> }[] = [];
  let template: string;

  async function newDataDir() {
    const dir = await tempDir('fileshare-template-');
    dirs.push(dir);
    return path.join(dir.path, 'data');
  }

  beforeAll(async () => {
    const dir = await tempDir('fileshare-template-file-');
    dirs.push(dir);
    template = path.join(dir.path, 'template.tar');
    expect(await makePgliteTemplate(template)).toEqual({ file: template, made: true });
    expect(await makePgliteTemplate(template)).toEqual({ file: template, made: false });
  });
  afterAll(async () => {
    for (const dir of dirs) await dir.remove();
  });

  it('starts a new data directory as a copy of the template, with every migration, and keeps what is stored', async () => {
    const dataDir = await newDataDir();
    const username = uniqueName();
    const first = await startOn(dataDir, template);
    let stored: { fileId: string };
    try {
      expect(first.database.pgliteStart).toEqual({ from: 'template' });
      expect(await appliedMigrations(first)).toBe(MIGRATIONS);
      stored = await storeSomething(first, username, 'template password');
    } finally {
      await first.close();
    }
    expect(existsSync(`${pgliteDir(dataDir)}.partial`)).toBe(false);
    const again = await startOn(dataDir, template);
    try {
      expect(again.database.pgliteStart).toEqual({ from: 'existing' });
      await findIt(again, username, 'template password', stored);
    } finally {
      await again.close();
    }
  });

  it('opens a data directory made by initdb, as before the template, and keeps what was stored in it', async () => {
    const dataDir = await newDataDir();
    const username = uniqueName();
    const before = await startOn(dataDir, null);
    let stored: { fileId: string };
    try {
      expect(before.database.pgliteStart?.from).toBe('initdb');
      stored = await storeSomething(before, username, 'upgrade password');
    } finally {
      await before.close();
    }
    // The template that is installed now (undefined: the default file) is never copied over it.
    const after = await startOn(dataDir, undefined);
    try {
      expect(after.database.pgliteStart).toEqual({ from: 'existing' });
      await findIt(after, username, 'upgrade password', stored);
      const more = await after.api.upload('root', 'more.txt', 'more');
      expect(more.status).toBe(201);
    } finally {
      await after.close();
    }
  });

  it('runs initdb when the template is missing or damaged, leaving no half-made copy behind', async () => {
    const damaged = path.join(path.dirname(template), 'damaged.tar');
    // The first megabyte of a real template: a tar file cut short.
    await writeFile(damaged, readFileSync(template).subarray(0, 1_000_000));
    for (const [file, error] of [
      [path.join(path.dirname(template), 'missing.tar'), false],
      [damaged, true],
    ] as const) {
      const dataDir = await newDataDir();
      const server = await startOn(dataDir, file);
      try {
        expect(server.database.pgliteStart?.from).toBe('initdb');
        expect(server.database.pgliteStart?.error !== undefined).toBe(error);
        expect(await appliedMigrations(server)).toBe(MIGRATIONS);
        const username = uniqueName();
        const stored = await storeSomething(server, username, 'fallback password');
        await findIt(server, username, 'fallback password', stored);
      } finally {
        await server.close();
      }
      expect(existsSync(`${pgliteDir(dataDir)}.partial`)).toBe(false);
    }
  });

  it('fills an empty folder made beforehand (a volume mounted there) by initdb, in place', async () => {
    const dataDir = await newDataDir();
    await mkdir(pgliteDir(dataDir), { recursive: true });
    const server = await startOn(dataDir, template);
    try {
      expect(server.database.pgliteStart).toEqual({ from: 'initdb', error: undefined });
      expect(await appliedMigrations(server)).toBe(MIGRATIONS);
      const username = uniqueName();
      const stored = await storeSomething(server, username, 'mounted password');
      await findIt(server, username, 'mounted password', stored);
    } finally {
      await server.close();
    }
  });

  it('keeps one template: writing one removes those of other migrations and PGlite versions', async () => {
    const dir = await tempDir('fileshare-template-cache-');
    dirs.push(dir);
    const cache = path.join(dir.path, 'fileshare-pglite');
    const file = path.join(cache, '0.5.16', 'new.tar');
    await mkdir(path.join(cache, '0.4.0'), { recursive: true });
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(path.join(cache, '0.4.0', 'old.tar'), 'old');
    await writeFile(path.join(cache, '0.5.16', 'before.tar'), 'before');
    await writeFile(path.join(cache, '0.5.16', 'notes.txt'), 'not a template');
    await writeFile(path.join(dir.path, 'beside.tar'), 'outside the cache');
    await writeTemplate(file, new Blob(['new']));
    expect(readFileSync(file, 'utf8')).toBe('new');
    expect(await readdir(cache)).toEqual(['0.5.16']);
    expect((await readdir(path.dirname(file))).sort()).toEqual(['new.tar', 'notes.txt']);
    expect((await readdir(dir.path)).sort()).toEqual(['beside.tar', 'fileshare-pglite']);
    // A template written anywhere else touches nothing beside it.
    const elsewhere = path.join(dir.path, 'elsewhere', 'template.tar');
    await writeFile(path.join(dir.path, 'neighbour.tar'), 'a neighbour');
    await mkdir(path.dirname(elsewhere));
    await writeTemplate(elsewhere, new Blob(['elsewhere']));
    expect((await readdir(dir.path)).sort()).toEqual([
      'beside.tar',
      'elsewhere',
      'fileshare-pglite',
      'neighbour.tar',
    ]);
  });

  it('loads the installed template (made again by the test setup) into every in-memory database', async () => {
    const database = await openPglite(undefined);
    try {
      expect(database.pgliteStart).toEqual({ from: 'template' });
    } finally {
      await database.close();
    }
  });

  it('loads the template into an in-memory database, and runs initdb in memory for a damaged one', async () => {
    const fromTemplate = await openPglite(undefined, { template });
    try {
      expect(fromTemplate.pgliteStart).toEqual({ from: 'template' });
      await fromTemplate.migrate();
      const result = await fromTemplate.db.execute(
        'select count(*)::int as n from drizzle.__drizzle_migrations',
      );
      expect(rowsOf<{ n: number }>(result)[0]?.n).toBe(MIGRATIONS);
    } finally {
      await fromTemplate.close();
    }
    const damaged = path.join(path.dirname(template), 'garbage.tar');
    await writeFile(damaged, 'not a tar file');
    const fallback = await openPglite(undefined, { template: damaged });
    try {
      expect(fallback.pgliteStart?.from).toBe('initdb');
      expect(String(fallback.pgliteStart?.error)).toMatch(/not a whole tar file/);
      await fallback.migrate();
      await fallback.check();
    } finally {
      await fallback.close();
    }
  });
});

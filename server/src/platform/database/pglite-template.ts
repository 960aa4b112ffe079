/**
 * A PGlite cluster made once, when the server's packages are installed, with every migration
 * applied: a new data directory (and every in-memory database) starts as a copy of it instead of
 * running initdb in the server's process, which takes seconds and some 350 MiB of memory at its peak.
 * It is keyed by PGlite's version and the migrations, so it is never a cluster of another shape; when
 * it is missing or unreadable, the server runs initdb as before.
 */
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, openAsBlob, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import tar from 'tar-stream';
import { packageFolder, packageVersion } from '../packages.ts';

/** The folder under `node_modules/.cache` that holds the templates, one folder per PGlite version. */
const CACHE_FOLDER = 'fileshare-pglite';

const migrationsFolder = fileURLToPath(new URL('../../../drizzle', import.meta.url));

/**
 * A digest of every migration file and of the migrator's version (its own table is in the
 * template), so a template made before a new migration or another drizzle-orm is not used.
 */
function migrationsKey(): string {
  const hash = createHash('sha256').update(`drizzle-orm ${packageVersion('drizzle-orm')}\0`);
  const files = [
    path.join('meta', '_journal.json'),
    ...readdirSync(migrationsFolder).filter((name) => name.endsWith('.sql')),
  ];
  for (const file of files.sort()) {
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(path.join(migrationsFolder, file)))
      .update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * Where the template of this PGlite and these migrations lives:
 * `node_modules/.cache/fileshare-pglite/<PGlite version>/<migrations digest>.tar`.
 */
export function defaultTemplateFile(): string {
  const pglite = packageFolder('@electric-sql/pglite');
  const nodeModules = path.dirname(path.dirname(pglite));
  const version = packageVersion('@electric-sql/pglite');
  return path.join(nodeModules, '.cache', CACHE_FOLDER, version, `${migrationsKey()}.tar`);
}

/**
 * The template as PGlite loads it (`loadDataDir`), or undefined when there is none. It is checked to
 * be a whole tar file first: PGlite takes anything else for gzip, and its error then ends the process.
 */
export async function templateBlob(file: string): Promise<Blob | undefined> {
  if (!existsSync(file)) return undefined;
  const blob = await openAsBlob(file);
  const header = Buffer.from(await blob.slice(0, 512).arrayBuffer());
  if (blob.size % 512 !== 0 || header.toString('latin1', 257, 262) !== 'ustar')
    throw new Error(`the PGlite template ${file} is not a whole tar file`);
  return blob;
}

/**
 * Makes a data directory at `dataDir`, which must not exist yet, from the template, whole or not at
 * all: the files go to a folder beside it, renamed into place once complete. False when there is no
 * template, or when `dataDir` exists already: an empty folder made by hand or a volume mounted there
 * cannot be replaced by a rename, and initdb fills it in place instead.
 */
export async function copyTemplate(file: string, dataDir: string): Promise<boolean> {
  if (!existsSync(file) || existsSync(dataDir)) return false;
  const partial = `${dataDir}.partial`;
  await rm(partial, { recursive: true, force: true });
  await mkdir(partial, { recursive: true, mode: 0o700 });
  try {
    const extract = tar.extract();
    // Both settle before this goes on (a damaged file fails the reading, and with it the writing).
    const settled = await Promise.allSettled([
      pipeline((await openAsBlob(file)).stream(), extract),
      writeEntries(extract, partial),
    ]);
    for (const outcome of settled) if (outcome.status === 'rejected') throw outcome.reason;
    if (!existsSync(path.join(partial, 'PG_VERSION')))
      throw new Error('the PGlite template is not a cluster');
    await rename(partial, dataDir);
    return true;
  } catch (error) {
    await rm(partial, { recursive: true, force: true });
    throw error;
  }
}

async function writeEntries(extract: tar.Extract, folder: string) {
  for await (const entry of extract) {
    const name = path.normalize(entry.header.name.replace(/^\/+/, ''));
    if (name === '.' || name.startsWith('..') || path.isAbsolute(name))
      throw new Error(`the PGlite template names a path outside its folder: ${entry.header.name}`);
    const target = path.join(folder, name);
    if (entry.header.type === 'directory') {
      await mkdir(target, { recursive: true, mode: 0o700 });
      entry.resume();
    } else if (entry.header.type === 'file') {
      await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
      await pipeline(entry, createWriteStream(target, { mode: 0o600 }));
    } else throw new Error(`the PGlite template holds a ${entry.header.type} entry: ${entry.header.name}`);
  }
}

/** True when `dataDir` holds no cluster yet and nothing else either. */
export async function isNewDataDir(dataDir: string): Promise<boolean> {
  if (!existsSync(dataDir)) return true;
  return (await readdir(dataDir)).length === 0;
}

/**
 * Writes the template to `file` from a cluster PGlite has just made and migrated (`dump`), through a
 * temporary file, so a reader never sees half of one.
 */
export async function writeTemplate(file: string, dump: Blob): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, dump.stream());
  await rename(temporary, file);
  await removeOtherTemplates(file);
}

/**
 * Templates of other migrations or other PGlite versions, which nothing will read again: each is
 * some 40 MB. Only in the installed layout (`fileshare-pglite/<version>/<digest>.tar`, as
 * `defaultTemplateFile` names it), never beside a template written anywhere else; what cannot be
 * removed is left (another install may be reading it).
 */
async function removeOtherTemplates(file: string) {
  const versionFolder = path.dirname(file);
  const cacheFolder = path.dirname(versionFolder);
  if (path.basename(cacheFolder) !== CACHE_FOLDER) return;
  for (const entry of await readdir(cacheFolder, { withFileTypes: true })) {
    const folder = path.join(cacheFolder, entry.name);
    if (entry.isDirectory() && folder !== versionFolder)
      await rm(folder, { recursive: true, force: true }).catch(() => {});
  }
  for (const entry of await readdir(versionFolder, { withFileTypes: true })) {
    const other = path.join(versionFolder, entry.name);
    if (entry.isFile() && other !== file && entry.name.endsWith('.tar'))
      await rm(other, { force: true }).catch(() => {});
  }
}

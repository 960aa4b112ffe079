/**
 * Packages whose many small modules are loaded at start as one file. Each ES module Node loads
 * costs memory of its own for the process's life beside its code (its record, its loader job, its
 * source and compile cache entry): TypeBox's 373 files hold some 4.5 MiB more once idle than the
 * same code bundled into one module (measured beside fastify and drizzle-orm, with the compile
 * cache on). `npm ci` makes the bundle (scripts/postinstall.mjs) with esbuild, one of the server's
 * dependencies so that a production install bundles too; where the bundle is missing (a failed
 * bundle, another version of the package) the package loads as it is, the same code.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BUNDLES_DIR = path.join(ROOT, 'node_modules', '.cache', 'fileshare-bundles');

/** The bundled packages: the bare specifier the app imports, and that package's entry file. */
const BUNDLED: Record<string, string> = { typebox: 'build/index.mjs' };

function packageDir(name: string): string {
  return path.join(ROOT, 'node_modules', name);
}

/** Where the bundle of the installed version of `name` is, or would be. */
export function bundleFile(name: string): string {
  const manifest = JSON.parse(readFileSync(path.join(packageDir(name), 'package.json'), 'utf8')) as {
    version: string;
  };
  return path.join(BUNDLES_DIR, `${name}-${manifest.version}.mjs`);
}

/** Bare specifier → file URL of its bundle, for every bundled package whose bundle is there. */
export function bundledModules(): Map<string, string> {
  const found = new Map<string, string>();
  for (const name of Object.keys(BUNDLED)) {
    try {
      const file = bundleFile(name);
      if (existsSync(file)) found.set(name, pathToFileURL(file).href);
    } catch {
      // The package is not installed where expected: it resolves as Node resolves it.
    }
  }
  return found;
}

/** Makes the missing bundles; answers the files made. Written beside and renamed, never half. */
export async function makeBundles(): Promise<string[]> {
  const require = createRequire(import.meta.url);
  const { build } = require('esbuild') as typeof import('esbuild');
  await mkdir(BUNDLES_DIR, { recursive: true });
  const made: string[] = [];
  for (const [name, entry] of Object.entries(BUNDLED)) {
    const file = bundleFile(name);
    if (existsSync(file)) continue;
    const partial = `${file}.partial`;
    try {
      await build({
        entryPoints: [path.join(packageDir(name), entry)],
        outfile: partial,
        bundle: true,
        format: 'esm',
        platform: 'node',
        target: 'node24',
        logLevel: 'warning',
      });
      await rename(partial, file);
      made.push(file);
    } finally {
      await rm(partial, { force: true });
    }
  }
  return made;
}

/**
 * Packages whose many small modules are loaded at start as a few files. Each ES module Node loads
 * costs memory of its own for the process's life beside its code (its record, its loader job, its
 * source and compile cache entry), and time to find and link: TypeBox's 373 files held some 7 MiB
 * more idle RSS than the same code as one file, and drizzle-orm's 107 took 0.5 s to import against
 * 20 ms as a bundle, for 2 MiB more. `npm ci` makes the bundles (scripts/postinstall.mjs) with
 * esbuild, one of the server's dependencies so that a production install bundles too; where a
 * bundle is missing (it failed, or another version of the package is installed) the package loads
 * as it is, the same code.
 */
import { existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { packageFolder, packageVersion } from './packages.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BUNDLES_DIR = path.join(ROOT, 'node_modules', '.cache', 'fileshare-bundles');

interface Bundled {
  /** Each specifier the server imports, and its entry file in the package. */
  entries: Record<string, string>;
  /** Packages its code imports that stay packages of their own. */
  external?: string[];
}

/**
 * The bundled packages. Every entry point the server imports from one is bundled together, its
 * shared code in shared chunks, so that the package's classes exist once; an import of another
 * entry point would load the package's own files beside them.
 */
export const BUNDLED: Record<string, Bundled> = {
  typebox: { entries: { typebox: 'build/index.mjs' } },
  'drizzle-orm': {
    entries: {
      'drizzle-orm': 'index.js',
      'drizzle-orm/pg-core': 'pg-core/index.js',
      'drizzle-orm/pglite': 'pglite/index.js',
      'drizzle-orm/pglite/migrator': 'pglite/migrator.js',
      'drizzle-orm/node-postgres': 'node-postgres/index.js',
      'drizzle-orm/node-postgres/migrator': 'node-postgres/migrator.js',
    },
    external: ['@electric-sql/pglite', 'pg'],
  },
};

/** Where the bundle of the installed version of `name` is, or would be: a folder. */
export function bundleDir(name: string): string {
  return path.join(BUNDLES_DIR, `${name}-${packageVersion(name)}`);
}

/** The bundle's file for one of the package's entry files (`pg-core/index.js` → `…/pg-core/index.mjs`). */
function entryOutput(dir: string, entry: string): string {
  return path.join(dir, entry.replace(/\.m?js$/, '.mjs'));
}

/** Bare specifier → file URL of its entry in a bundle, for every bundle that is there. */
export function bundledModules(): Map<string, string> {
  const found = new Map<string, string>();
  for (const [name, bundled] of Object.entries(BUNDLED)) {
    let dir: string;
    try {
      dir = bundleDir(name);
    } catch {
      continue; // The package is not installed where expected: it resolves as Node resolves it.
    }
    if (!existsSync(dir)) continue;
    for (const [specifier, entry] of Object.entries(bundled.entries))
      found.set(specifier, pathToFileURL(entryOutput(dir, entry)).href);
  }
  return found;
}

/** Makes the missing bundles; answers the folders made. Written beside and renamed, never half. */
export async function makeBundles(): Promise<string[]> {
  const require = createRequire(import.meta.url);
  const { build } = require('esbuild') as typeof import('esbuild');
  await mkdir(BUNDLES_DIR, { recursive: true });
  const made: string[] = [];
  for (const [name, bundled] of Object.entries(BUNDLED)) {
    const dir = bundleDir(name);
    if (existsSync(dir)) continue;
    const partial = `${dir}.partial`;
    await rm(partial, { recursive: true, force: true });
    try {
      await build({
        entryPoints: Object.values(bundled.entries).map((entry) => path.join(packageFolder(name), entry)),
        outbase: packageFolder(name),
        outdir: partial,
        outExtension: { '.js': '.mjs' },
        bundle: true,
        splitting: true,
        format: 'esm',
        platform: 'node',
        target: 'node24',
        external: bundled.external ?? [],
        logLevel: 'warning',
      });
      await rename(partial, dir);
      made.push(dir);
    } finally {
      await rm(partial, { recursive: true, force: true });
    }
  }
  return made;
}

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUNDLED, bundleDir, bundledModules, makeBundles } from './module-bundles.ts';

const MODULE_LOADING = pathToFileURL(fileURLToPath(new URL('./module-loading.ts', import.meta.url))).href;
const SPECIFIERS = Object.values(BUNDLED).flatMap((bundled) => Object.keys(bundled.entries));

/**
 * What a node process with the server's module loading gets for each bundled specifier: whether it
 * is the bundle's module, and its exports; and a TypeBox schema and a drizzle query built with them.
 */
function importedInServerProcess(bundles: Map<string, string>) {
  const script = `
    const { registerModuleLoading } = await import(${JSON.stringify(MODULE_LOADING)});
    registerModuleLoading();
    const bundles = new Map(${JSON.stringify([...bundles])});
    const modules = {};
    for (const specifier of ${JSON.stringify(SPECIFIERS)}) {
      const loaded = await import(specifier);
      modules[specifier] = { fromBundle: loaded === (await import(bundles.get(specifier))), exports: Object.keys(loaded).sort() };
    }
    const { Type } = await import('typebox');
    const schema = Type.Object({ name: Type.String({ minLength: 1 }), size: Type.Optional(Type.Integer()) });
    const { pgTable, text, integer, PgDialect } = await import('drizzle-orm/pg-core');
    const { eq } = await import('drizzle-orm');
    const nodes = pgTable('nodes', { name: text('name'), size: integer('size') });
    const query = new PgDialect().sqlToQuery(eq(nodes.name, 'a'));
    console.log(JSON.stringify({ modules, schema, query }));
  `;
  return JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }),
  ) as {
    modules: Record<string, { fromBundle: boolean; exports: string[] }>;
    schema: unknown;
    query: { sql: string; params: unknown[] };
  };
}

describe('packages loaded as bundles', () => {
  it('load from their bundles in a server process, with the packages’ exports and the same results', async () => {
    await makeBundles();
    for (const name of Object.keys(BUNDLED)) expect(existsSync(bundleDir(name)), name).toBe(true);
    const bundles = bundledModules();
    expect([...bundles.keys()].sort()).toEqual([...SPECIFIERS].sort());

    const inServer = importedInServerProcess(bundles);
    for (const specifier of SPECIFIERS) {
      const own = await import(specifier);
      expect(inServer.modules[specifier]?.fromBundle, specifier).toBe(true);
      expect(inServer.modules[specifier]?.exports, specifier).toEqual(Object.keys(own).sort());
    }
    const { Type } = await import('typebox');
    const schema = Type.Object({ name: Type.String({ minLength: 1 }), size: Type.Optional(Type.Integer()) });
    expect(inServer.schema).toEqual(JSON.parse(JSON.stringify(schema)));
    const { pgTable, text, integer, PgDialect } = await import('drizzle-orm/pg-core');
    const { eq } = await import('drizzle-orm');
    const nodes = pgTable('nodes', { name: text('name'), size: integer('size') });
    expect(inServer.query).toEqual(new PgDialect().sqlToQuery(eq(nodes.name, 'a')));
  });
});

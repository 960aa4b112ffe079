import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundledModules, bundleFile, makeBundles } from './module-bundles.ts';

const MODULE_LOADING = fileURLToPath(new URL('./module-loading.ts', import.meta.url));

/** What `import('typebox')` gives a node process with the server's module loading, and where from. */
function importedInServerProcess() {
  const script = `
    const { registerModuleLoading } = await import(${JSON.stringify(pathToFileURL(MODULE_LOADING).href)});
    registerModuleLoading();
    const loaded = await import('typebox');
    const bundle = await import(${JSON.stringify(pathToFileURL(bundleFile('typebox')).href)});
    const schema = loaded.Type.Object({ name: loaded.Type.String({ minLength: 1 }), size: loaded.Type.Optional(loaded.Type.Integer()) });
    console.log(JSON.stringify({ fromBundle: loaded === bundle, exports: Object.keys(loaded).sort(), schema }));
  `;
  return JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }),
  ) as { fromBundle: boolean; exports: string[]; schema: unknown };
}

describe('packages loaded as one module', () => {
  it('loads TypeBox from its bundle, with the same exports and the same schemas as the package', async () => {
    await makeBundles();
    expect(existsSync(bundleFile('typebox'))).toBe(true);
    expect(bundledModules().get('typebox')).toBe(pathToFileURL(bundleFile('typebox')).href);

    const inServer = importedInServerProcess();
    expect(inServer.fromBundle).toBe(true);
    const typebox = await import('typebox');
    expect(inServer.exports).toEqual(Object.keys(typebox).sort());
    const schema = typebox.Type.Object({
      name: typebox.Type.String({ minLength: 1 }),
      size: typebox.Type.Optional(typebox.Type.Integer()),
    });
    expect(inServer.schema).toEqual(JSON.parse(JSON.stringify(schema)));
  });
});

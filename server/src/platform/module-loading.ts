/**
 * Faster module loading for the server's start. Node looks up the package scope (the nearest
 * package.json) of every `.js` module file it loads, to learn its format, and parses that
 * package.json each time; drizzle-orm's is 175 KB and 450 of its files load at start, which cost
 * 0.3 s of CPU (an `.mjs` file is a module by its name alone, so typebox's 1,450 cost nothing of
 * this). A relative import between two `.js` files of one ES module package is the same format as
 * its importer, so this hook answers those itself for the packages named here. It also loads an
 * import of a bundled package from its bundle when there is one (`module-bundles.ts`).
 */
import { registerHooks } from 'node:module';
import { bundledModules } from './module-bundles.ts';

/** ES module packages (`"type": "module"`, no nested package.json) with a large package.json. */
const PACKAGES = ['/node_modules/drizzle-orm/'];

export function registerModuleLoading() {
  const bundles = bundledModules();
  registerHooks({
    resolve(specifier, context, nextResolve) {
      // An import, not a require or require.resolve (which find the package's own files, where
      // code asks where a package is installed).
      const bundle = context.conditions?.includes('import') ? bundles.get(specifier) : undefined;
      if (bundle !== undefined) return { url: bundle, format: 'module', shortCircuit: true };
      const parent = context.parentURL;
      if (
        parent !== undefined &&
        (specifier.startsWith('./') || specifier.startsWith('../')) &&
        specifier.endsWith('.js') &&
        parent.startsWith('file:') &&
        PACKAGES.some((name) => parent.includes(name))
      ) {
        return { url: new URL(specifier, parent).href, format: 'module', shortCircuit: true };
      }
      return nextResolve(specifier, context);
    },
  });
}

/**
 * The server's entry point, in plain JavaScript: Node strips the types of a `.ts` file with a
 * compiler it loads for the purpose (some 13 MiB of memory for the process's whole life), unless the
 * compile cache already holds that file's code, and this file is what turns the cache on. Module
 * loading is set up before the first of the app's modules is resolved (a static import would be
 * resolved before this file's code runs), then the server starts.
 */
import { enableCompileCache } from 'node:module';
import { fileURLToPath } from 'node:url';

// V8's compiled code for every module (the types already stripped), kept between starts: an
// existing data directory's start takes some 0.13 s less CPU with it, and the type stripper is not
// loaded at all. In NODE_COMPILE_CACHE, else beside the installed packages, never in the shared
// temporary directory (where another user could plant code for it to load). A folder that cannot be
// written only turns the cache off.
enableCompileCache(
  process.env.NODE_COMPILE_CACHE ||
    fileURLToPath(new URL('../../node_modules/.cache/fileshare-compile', import.meta.url)),
);
const { registerModuleLoading } = await import('./platform/module-loading.ts');
registerModuleLoading();
await import('./serve.ts');

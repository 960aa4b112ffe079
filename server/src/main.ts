/**
 * The server's entry point. Module loading is set up before the first of the app's modules is
 * resolved (a static import would be resolved before this file's code runs), then the server starts.
 */
import { enableCompileCache } from 'node:module';
import { fileURLToPath } from 'node:url';
import { registerModuleLoading } from './platform/module-loading.ts';

// V8's compiled code for every module, kept between starts: an existing data directory's start
// takes some 0.13 s less CPU with it. In NODE_COMPILE_CACHE, else beside the installed packages,
// never in the shared temporary directory (where another user could plant code for it to load).
// A folder that cannot be written only turns the cache off.
enableCompileCache(
  process.env.NODE_COMPILE_CACHE ||
    fileURLToPath(new URL('../../node_modules/.cache/fileshare-compile', import.meta.url)),
);
registerModuleLoading();
await import('./serve.ts');

/**
 * The server's entry point, in plain JavaScript: Node strips the types of a `.ts` file with a
 * compiler it loads for the purpose, unless the compile cache already holds that file's code, and
 * this file is what turns the cache on. The process first starts itself again with the allocator's
 * settings if it lacks them, then module loading is set up before the first of the app's modules is
 * resolved (a static import would be resolved before this file's code runs), then the server starts.
 */
import { enableServerCompileCache, restartWithMallocTunables } from './platform/process-setup.mjs';

restartWithMallocTunables();
enableServerCompileCache();
const { registerModuleLoading } = await import('./platform/module-loading.ts');
registerModuleLoading();
await import('./serve.ts');

/**
 * The floor under the embedded default's idle memory: a node process that opens PGlite on an
 * existing data directory the way the server does (`createPglite`, its settings) and nothing else,
 * or, without a directory, bare node. Like the server's entry point it is plain JavaScript that
 * starts itself again with the server's allocator settings, then turns on the server's compile
 * cache before loading any TypeScript (so Node's type stripper stays unloaded), and it releases
 * idle memory as the server does once it is ready. The PGlite process loads the server's database
 * module too (its schema and drizzle-orm): it is the floor of a server on PGlite, not of PGlite
 * itself. It says `ready` on stdout, then idles until it is ended.
 */
import {
  enableServerCompileCache,
  restartWithMallocTunables,
} from '../../server/src/platform/process-setup.mjs';

restartWithMallocTunables();
enableServerCompileCache();
const dataDir = process.argv[2];
if (dataDir !== undefined) {
  // Loaded only here, so that bare node loads none of the server's modules.
  const { createPglite } = await import('../../server/src/platform/database/database.ts');
  const pglite = await createPglite(dataDir);
  await pglite.query('select 1');
  const { memoryReducingCollection } = await import('../../server/src/platform/idle-memory.ts');
  await memoryReducingCollection()?.();
}
process.stdout.write('ready\n');
setInterval(() => {}, 60_000);

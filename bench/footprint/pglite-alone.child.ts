/**
 * The floor under the embedded default's idle memory: a node process that opens PGlite on an
 * existing data directory the way the server does (`createPglite`, its settings) and nothing else,
 * or, without a directory, bare node. The PGlite process loads the server's database module too (its
 * schema and drizzle-orm): it is the floor of a server on PGlite, not of PGlite itself. It says
 * `ready` on stdout, then idles until it is ended.
 */
const dataDir = process.argv[2];
if (dataDir !== undefined) {
  // Loaded only here, so that bare node loads none of the server's modules.
  const { createPglite } = await import('../../server/src/platform/database/database.ts');
  const pglite = await createPglite(dataDir);
  await pglite.query('select 1');
}
process.stdout.write('ready\n');
setInterval(() => {}, 60_000);

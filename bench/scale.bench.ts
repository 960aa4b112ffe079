/**
 * Scale benchmark (`npm run bench:scale`): one user's tree of a million nodes, written straight into
 * the database, then searched, listed, trashed, restored and moved through the API, on PostgreSQL
 * and on PGlite; and what the name index costs. See bench/README.md for the settings.
 */

import { printTables } from './scale/report.ts';
import { propfindReferences, type RunResult, runOn } from './scale/run.ts';
import { DRIVERS, NODES, PGLITE_NODES, shapeOf } from './scale/settings.ts';
import { makeTempDir, runBenchmark } from './support/processes.ts';
import { machine, printMachine, writeReport } from './support/report.ts';

runBenchmark(async () => {
  const dir = await makeTempDir('fileshare-scale-');
  const info = await machine();
  printMachine(
    info,
    `Fileshare scale benchmark: ${DRIVERS.join(', ')}`,
    dir,
    'server drivers: per run below, cache off',
  );
  const runs: RunResult[] = [];
  const references = propfindReferences(dir);
  for (const driver of DRIVERS) {
    runs.push(await runOn(driver, dir, shapeOf(driver === 'pglite' ? PGLITE_NODES : NODES), references));
  }
  printTables(runs);
  await writeReport('scale', { machine: info, runs });
});

// Checks the configured database against the configured blob store: `npm run fsck`
// (`-- --verify-content` reads every blob back, `-- --repair` deletes orphans and fixes usage).
// Exits 1 when a problem is left unrepaired, 2 when it can't run.
import { parseArgs } from 'node:util';
import pino from 'pino';
import { ConfigError, loadConfig } from '../../config.ts';
import { openDeps } from '../../platform/open.ts';
import { createServices } from '../../services.ts';
import { checkStorage } from './storage-check.ts';

const { values } = parseArgs({
  options: {
    'verify-content': { type: 'boolean', default: false },
    repair: { type: 'boolean', default: false },
  },
});
let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`Can not check the storage: ${error.message}`);
  process.exit(2);
}
const deps = await openDeps(config, pino({ level: 'warn' }));
let unrepaired = 0;
try {
  const report = await checkStorage(deps, createServices(deps), {
    verifyContent: values['verify-content'],
    repair: values.repair,
  });
  for (const problem of report.problems) {
    if (!problem.repaired) unrepaired += 1;
    console.log(
      `${problem.kind} ${problem.subject}: ${problem.detail}${problem.repaired ? ' (repaired)' : ''}`,
    );
  }
  console.log(
    `checked ${report.files} files and ${report.blobs} blobs: ${report.problems.length} problems, ${unrepaired} unrepaired`,
  );
} finally {
  await Promise.allSettled([deps.cache.close(), deps.blobs.close()]);
  await deps.database.close();
}
process.exit(unrepaired === 0 ? 0 : 1);

// One garbage-collection pass against the configured services: `npm run gc` (`-- --dry-run` only reports).
import { parseArgs } from 'node:util';
import pino from 'pino';
import { ConfigError, loadConfig } from '../../config.ts';
import { openDeps } from '../../platform/open.ts';
import { createServices } from '../../services.ts';
import { createGarbageCollector } from './garbage-collector.ts';

const { values } = parseArgs({ options: { 'dry-run': { type: 'boolean', default: false } } });
let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`Can not run the garbage collector: ${error.message}`);
  process.exit(1);
}
const deps = await openDeps(config, pino({ level: 'warn' }));
try {
  const report = await createGarbageCollector(deps, createServices(deps)).run({ dryRun: values['dry-run'] });
  if (!report.ran) console.log('Another instance is collecting right now; nothing done.');
  else {
    const verb = values['dry-run'] ? 'would delete' : 'deleted';
    console.log(
      `expired upload sessions ${values['dry-run'] ? 'would abort' : 'aborted'}: ${report.expiredSessions}`,
    );
    console.log(`expired link grants ${verb}: ${report.expiredGrants}`);
    console.log(`expired WebDAV locks ${verb}: ${report.expiredDavLocks}`);
    console.log(`unreferenced blobs ${verb}: ${report.orphanBlobs.length}`);
    for (const key of report.orphanBlobs) console.log(`  ${key}`);
    console.log(`stray multipart uploads ${verb}: ${report.strayMultipartUploads.length}`);
  }
} finally {
  await Promise.allSettled([deps.cache.close(), deps.blobs.close()]);
  await deps.database.close();
}

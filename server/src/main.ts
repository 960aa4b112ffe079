import pino from 'pino';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { openDeps } from './platform/open.ts';

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(`Fileshare can not start: ${error.message}`);
  process.exit(1);
}

const logger = pino({ level: config.logLevel });
const deps = await openDeps(config, logger);
const app = await buildApp(deps, { backgroundJobs: true });
await app.listen({ port: config.port, host: config.host });

// Finish what is in flight, then close the database, cache and store (the app's onClose hook).
let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}

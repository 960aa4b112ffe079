import closeWithGrace from 'close-with-grace';
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

// Within the 10 s a supervisor (docker stop, npm run cluster) gives before SIGKILL.
const SHUTDOWN_DELAY_MS = 9_000;
const logger = pino({ level: config.logLevel });
const deps = await openDeps(config, logger);
const app = await buildApp(deps, { backgroundJobs: true });
await app.listen({ port: config.port, host: config.host });

// On SIGTERM or SIGINT (or a crash), finish what is in flight, then close the database, cache and
// store (the app's onClose hook); a second signal, or the delay passing, ends the process at once.
closeWithGrace({ delay: SHUTDOWN_DELAY_MS }, async ({ signal, err }) => {
  if (err !== undefined) logger.error({ err }, 'shutting down after an error');
  else logger.info({ signal }, 'shutting down');
  await app.close();
});

import closeWithGrace from 'close-with-grace';
import pino from 'pino';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig } from './config.ts';
import { memoryReducingCollection, releaseMemoryWhenIdle } from './platform/idle-memory.ts';
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

// Between bursts of requests the heap's freed pages go back to the operating system; the start
// script's `--expose-gc` makes the collection that does it callable.
const release = memoryReducingCollection();
if (config.idleMemoryReleaseMs > 0 && release !== undefined) {
  const idle = releaseMemoryWhenIdle(app.server, {
    idleMs: config.idleMemoryReleaseMs,
    release,
    onReleased: ({ ms }) =>
      logger.debug(
        { ms: Math.round(ms), rssMiB: Math.round(process.memoryUsage.rss() / 2 ** 20) },
        'idle memory released',
      ),
    onFailed: (err) => logger.warn({ err }, 'releasing idle memory failed'),
  });
  app.server.once('close', () => idle.stop());
} else if (config.idleMemoryReleaseMs > 0) {
  logger.debug('idle memory is not released: node runs without --expose-gc');
}

// On SIGTERM or SIGINT (or a crash), finish what is in flight, then close the database, cache and
// store (the app's onClose hook); a second signal, or the delay passing, ends the process at once.
closeWithGrace({ delay: SHUTDOWN_DELAY_MS }, async ({ signal, err }) => {
  if (err !== undefined) logger.error({ err }, 'shutting down after an error');
  else logger.info({ signal }, 'shutting down');
  await app.close();
});

import pino from 'pino';
import { buildApp } from './app.ts';
import { loadConfig } from './config.ts';
import { createFsBlobStore } from './platform/blobs/fs.blob-store.ts';
import { createMemoryCache } from './platform/cache/memory.cache.ts';
import { createRateLimiters } from './platform/cache/rate-limit.ts';
import { openPglite } from './platform/database/database.ts';
import { systemClock } from './shared/clock.ts';

export const OPENAPI_FILE = new URL('../openapi.json', import.meta.url);

/** The OpenAPI document as the routes describe it, built on throwaway embedded services. */
export async function generateOpenApi(scratchDir: string): Promise<string> {
  const config = loadConfig({ LOG_LEVEL: 'silent' });
  const app = await buildApp({
    config,
    database: await openPglite(undefined),
    cache: createMemoryCache(),
    blobs: await createFsBlobStore(scratchDir),
    rateLimiters: createRateLimiters(
      { loginPerAccount: config.loginLimits.perAccount, loginPerAddress: config.loginLimits.perAddress },
      undefined,
    ),
    clock: systemClock,
    logger: pino({ level: 'silent' }),
  });
  await app.ready();
  const document = `${JSON.stringify(app.swagger(), null, 2)}\n`;
  await app.close();
  return document;
}

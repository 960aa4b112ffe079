import pino from 'pino';
import { buildApp } from './app.ts';
import { loadConfig } from './config.ts';
import { openPglite } from './platform/database/database.ts';
import { openDeps } from './platform/open.ts';

export const OPENAPI_FILE = new URL('../openapi.json', import.meta.url);

/** The OpenAPI document as the routes describe it, built on throwaway embedded services. */
export async function generateOpenApi(scratchDir: string): Promise<string> {
  const config = { ...loadConfig({ LOG_LEVEL: 'silent' }), dataDir: scratchDir };
  const app = await buildApp(
    await openDeps(config, pino({ level: 'silent' }), { database: await openPglite(undefined) }),
  );
  await app.ready();
  const document = `${JSON.stringify(app.swagger(), null, 2)}\n`;
  await app.close();
  return document;
}

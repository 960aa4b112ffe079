// Writes server/openapi.json from the routes: `npm run openapi`. CI fails when the committed file differs.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { generateOpenApi, OPENAPI_FILE } from './openapi.ts';

const scratch = await mkdtemp(path.join(os.tmpdir(), 'fileshare-openapi-'));
try {
  await writeFile(OPENAPI_FILE, await generateOpenApi(scratch));
  console.log(`wrote ${OPENAPI_FILE.pathname}`);
} finally {
  await rm(scratch, { recursive: true, force: true });
}

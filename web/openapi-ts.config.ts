import { fileURLToPath } from 'node:url';
import { defineConfig } from '@hey-api/openapi-ts';

// The client in src/api is generated from the server's OpenAPI document: `npm run generate -w web`.
// Set OPENAPI_TS_OUTPUT to generate elsewhere (the drift test does, to compare).
export default defineConfig({
  input: '../server/openapi.json',
  output: {
    path: process.env.OPENAPI_TS_OUTPUT ?? 'src/api',
    // Named, not searched for: the search walks up from the output folder and could find any
    // tsconfig above a temporary one, which changes how imports are written.
    tsConfigPath: fileURLToPath(new URL('tsconfig.json', import.meta.url)),
  },
  plugins: ['@hey-api/client-fetch', '@hey-api/typescript', '@hey-api/sdk'],
});

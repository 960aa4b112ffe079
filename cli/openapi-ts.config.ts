import { fileURLToPath } from 'node:url';
import { defineConfig } from '@hey-api/openapi-ts';

// The client in src/api is generated from the server's OpenAPI document: `npm run generate -w cli`.
// Set OPENAPI_TS_OUTPUT to generate elsewhere (the drift test does, to compare).
export default defineConfig({
  input: '../server/openapi.json',
  output: {
    path: process.env.OPENAPI_TS_OUTPUT ?? 'src/api',
    // Node runs these files as they are, so imports name the .ts files themselves.
    importFileExtension: '.ts',
    tsConfigPath: fileURLToPath(new URL('tsconfig.json', import.meta.url)),
  },
  plugins: ['@hey-api/client-fetch', '@hey-api/typescript', '@hey-api/sdk'],
});

import { defineConfig } from '@hey-api/openapi-ts';

// The client in src/api is generated from the server's OpenAPI document: `npm run generate -w web`.
// Set OPENAPI_TS_OUTPUT to generate elsewhere (the drift test does, to compare).
export default defineConfig({
  input: '../server/openapi.json',
  output: process.env.OPENAPI_TS_OUTPUT ?? 'src/api',
  plugins: ['@hey-api/client-fetch', '@hey-api/typescript', '@hey-api/sdk'],
});

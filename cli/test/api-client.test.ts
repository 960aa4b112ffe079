import { fileURLToPath } from 'node:url';
import { test } from 'vitest';
import { expectGeneratedClientCurrent } from '../../tools/generated-client.ts';

test('src/api is exactly what @hey-api/openapi-ts generates from server/openapi.json', async () => {
  await expectGeneratedClientCurrent(fileURLToPath(new URL('..', import.meta.url)), 'cli');
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // `npm run screenshots` runs the screenshot capture instead of the tests.
    include: process.env.SCREENSHOTS === '1' ? ['test/screenshots.capture.ts'] : ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});

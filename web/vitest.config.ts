import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        // The client's own logic, beside its code: no browser, no server, fake timers; a few seconds.
        test: { name: 'unit', include: ['src/**/*.test.ts'], environment: 'node' },
      },
      {
        test: {
          name: 'e2e',
          // `npm run screenshots` runs the screenshot capture instead of the tests.
          include: process.env.SCREENSHOTS === '1' ? ['test/screenshots.capture.ts'] : ['test/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});

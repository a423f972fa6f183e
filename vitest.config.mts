import { defineConfig } from 'vitest/config';

// Two projects: unit tests sit beside the code they pin down and need no services;
// integration tests under test/ share one real local stack started by the global setup.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'common/**/*.test.ts',
            'functions/**/*.test.ts',
            'worker/**/*.test.ts',
            'scripts/**/*.test.ts',
            'test/helpers/**/*.test.ts',
          ],
          environment: 'node',
          // Image decoding and replay take a few seconds on a busy 2-core machine; speed is measured by the bench, not here.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: ['test/helpers/**'], // the helpers' own tests need no stack: they run with the unit tests
          environment: 'node',
          globalSetup: ['test/setup/global-stack.ts'],
          setupFiles: ['test/setup/quiet-temporal.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          // One stack, many suites: files run one at a time so two suites never fight over one worker.
          fileParallelism: false,
        },
      },
    ],
  },
});

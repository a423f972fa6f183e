import { defineConfig } from 'vitest/config';
import { FILES_AT_ONCE } from './vitest.config.mts';

/**
 * Integration files that need the shared stack to themselves, and why. Every other file runs beside others
 * (docs/testing.md, "Parallel-safe integration tests" says how a file stays safe to run so).
 */
export const RUNS_ALONE = [
  'test/functions-rejections.test.ts', // "nothing was written" counts every scan and audit record in Firestore
  'test/functions-member-limits.test.ts', // the same snapshot of every scan and audit record
  'test/functions-fuzz.test.ts', // the same snapshot, around its burst of random requests
  'test/upload-reconcile.test.ts', // runs the reconciliation timer, which cancels every stale scan in Firestore
  'test/review-console.test.ts', // serves dist/review-console/, which test/worker-process.test.ts empties and rebuilds (scripts/build.sh)
];

// The integration tests: one container of two projects, so `--project integration` selects both. Files of
// `integration (parallel)` run beside each other and the unit files (FILES_AT_ONCE at a time);
// `integration (alone)` runs one file at a time after them. One stack serves both (test/setup/global-stack.ts starts it once).
export default defineConfig({
  test: {
    name: 'integration',
    environment: 'node',
    globalSetup: ['test/setup/global-stack.ts'],
    setupFiles: ['test/setup/quiet-temporal.ts', 'test/setup/own-containers.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    projects: [
      {
        test: {
          name: 'parallel',
          include: ['test/**/*.test.ts'],
          exclude: ['test/helpers/**', ...RUNS_ALONE], // the helpers' own tests need no stack: they run with the unit tests
          maxWorkers: FILES_AT_ONCE,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'alone',
          include: RUNS_ALONE,
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});

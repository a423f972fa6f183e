import { defineConfig } from 'vitest/config';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * Files that take minutes while the rest take seconds start first, so that none is left running alone at the
 * end. A repeat run also has vitest's own timings (longest first); a fresh clone, as in CI, has none.
 */
const LONGEST_FIRST = [
  'test/worker-image.test.ts', // the image's build stage: two npm ci (about 6-10 minutes on a fresh clone)
];

/** Files side by side in sequence group 1: one project's value for both, as vitest requires within a group. */
export const FILES_AT_ONCE = 3;

class LongestFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (spec: TestSpecification) => {
      const i = LONGEST_FIRST.findIndex((f) => spec.moduleId.endsWith(`/${f}`));
      return i < 0 ? LONGEST_FIRST.length : i;
    };
    return (await super.sort(files))
      .map((spec, i) => ({ spec, i }))
      .sort((a, b) => rank(a.spec) - rank(b.spec) || a.i - b.i)
      .map((e) => e.spec);
  }
}

// Two projects: unit tests sit beside the code they pin down and need no services; the integration tests
// (vitest.integration.config.mts) share one real local stack started by the global setup. Unit files and
// most integration files run three at a time on the 2-core machines this runs on (sequence group 1): many
// integration files spend minutes waiting (an erasure's last sweep waits for its upload URLs to expire, a
// lease for a killed worker's activity to time out), and a third file uses the core such a wait leaves
// idle; the integration files that need the stack to themselves run one at a time after them (group 2).
export default defineConfig({
  test: {
    sequence: { sequencer: LongestFirstSequencer },
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
          maxWorkers: FILES_AT_ONCE,
          sequence: { groupOrder: 1 },
        },
      },
      './vitest.integration.config.mts',
    ],
  },
});

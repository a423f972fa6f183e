import type { TestProject } from 'vitest/node';
import { useOrStartStack } from '../../scripts/lib/local-stack';

declare module 'vitest' {
  export interface ProvidedContext {
    stackEnv: Record<string, string>;
  }
}

/**
 * One real local stack per test run, on free ports and throw-away data, torn down at the end.
 * REDDYFIT_STACK_ENV=.data/stack.env reuses a running `npm run stack` instead (faster when iterating).
 */
export default async function setup(project: TestProject) {
  // With the mTLS peer: the TLS tests reach Temporal through it the way the apps reach Temporal Cloud.
  const stack = await useOrStartStack('test-stack', (l) => process.stderr.write(`[stack] ${l}\n`), { mtls: true });
  project.provide('stackEnv', stack.env);
  return stack.stop;
}

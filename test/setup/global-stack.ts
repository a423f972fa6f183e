import type { TestProject } from 'vitest/node';
import { useOrStartStack } from '../../scripts/lib/local-stack';

declare module 'vitest' {
  export interface ProvidedContext {
    stackEnv: Record<string, string>;
  }
}

type Stack = Awaited<ReturnType<typeof useOrStartStack>>;
/**
 * Both integration projects run this setup (vitest runs a container's global setup once per project), in the
 * one vitest process: the first starts the stack, the second uses it, the last teardown stops it.
 */
const shared = globalThis as typeof globalThis & { reddyfitTestStack?: { stack: Promise<Stack>; users: number } };

/**
 * One real local stack per test run, on free ports and throw-away data, torn down at the end.
 * REDDYFIT_STACK_ENV=.data/stack.env reuses a running `npm run stack` instead (faster when iterating).
 */
export default async function setup(project: TestProject) {
  // With the mTLS peer: the TLS tests reach Temporal through it the way the apps reach Temporal Cloud.
  shared.reddyfitTestStack ??= {
    stack: useOrStartStack('test-stack', (l) => process.stderr.write(`[stack] ${l}\n`), { mtls: true }),
    users: 0,
  };
  const entry = shared.reddyfitTestStack;
  entry.users++;
  const stack = await entry.stack;
  project.provide('stackEnv', stack.env);
  return async () => {
    if (--entry.users > 0) return;
    shared.reddyfitTestStack = undefined;
    await stack.stop();
  };
}

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startLocalStack } from '../../scripts/lib/local-stack';

declare module 'vitest' {
  export interface ProvidedContext {
    stackEnv: Record<string, string>;
  }
}

function parseEnvFile(file: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#') && l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

/**
 * One real local stack per test run, on free ports and throw-away data, torn down at the end.
 * REDDYFIT_STACK_ENV=path/to/stack.env reuses a running stack instead (faster when iterating).
 */
export default async function setup(project: TestProject) {
  const reuse = process.env.REDDYFIT_STACK_ENV;
  if (reuse) {
    project.provide('stackEnv', parseEnvFile(reuse));
    return;
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'reddyfit-test-stack-'));
  const started = Date.now();
  const stack = await startLocalStack({ dataDir, persistent: false, log: (l) => process.stderr.write(`[stack] ${l}\n`) });
  process.stderr.write(`[stack] up in ${((Date.now() - started) / 1000).toFixed(1)}s (Temporal from ${stack.temporalCliSource}); Web UI ${stack.urls.temporalUi}\n`);
  project.provide('stackEnv', { ...stack.env, PUSH_RECEIVER_LIST_URL: stack.urls.pushList, STACK_DATA_DIR: dataDir, TEMPORAL_CLI: stack.temporalCliPath ?? '', TEMPORAL_CODEC_URL: stack.urls.codec });
  return async () => {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}

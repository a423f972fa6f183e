import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { bundleWorkflows } from './workflow-bundler';

/**
 * Evaluates the bundle the way the SDK's reusable V8 context does (worker/src/workflow/reusable-vm.ts):
 * modules required before any run exists (the preloaded ones) go to a shared cache, every run's own
 * `importWorkflows()` fills a module cache of its own. Returns the modules each of two runs evaluated.
 */
function modulesEvaluatedPerRun(code: string): string[][] {
  const context = vm.createContext({ URL, URLSearchParams, TextEncoder, TextDecoder, AbortController, console });
  const shared = new Map<string, unknown>();
  let runModules: Map<string, unknown> | undefined;
  const moduleCache = new Proxy(
    {},
    {
      get: (_, id: string) => shared.get(id) ?? runModules?.get(id),
      set: (_, id: string, module) => {
        (runModules ?? shared).set(id, module);
        return true;
      },
    },
  );
  Object.defineProperty(context, '__webpack_module_cache__', { value: moduleCache });
  vm.runInContext(code, context);
  vm.runInContext('__TEMPORAL__.preloadModules?.()', context);
  return [0, 1].map(() => {
    runModules = new Map();
    context.__TEMPORAL_ACTIVATOR__ = { moduleCache: runModules, info: { unsafe: { isReplayingHistoryEvents: false } } };
    vm.runInContext('__TEMPORAL__.importWorkflows(); __TEMPORAL__.importInterceptors()', context);
    return [...runModules.keys()];
  });
}

describe('the workflow bundle', () => {
  // A copy of zod per run cost each parked scan ~0.7 MiB of workflow-thread heap (npm run bench, memory).
  it('evaluates the zod library once per workflow thread, not once per workflow run', async () => {
    const { code } = await bundleWorkflows('WARN');
    const [first = [], second] = modulesEvaluatedPerRun(code);
    // Each run still gets its own copy of our workflow modules (their state is per run) ...
    expect(first).toContain('./worker/workflows/daily-scan.ts');
    expect(second).toEqual(first);
    // ... but none of the library's.
    expect(first.filter((id) => id.includes('node_modules/zod/'))).toEqual([]);
  }, 120_000);
});

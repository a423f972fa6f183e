import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../common/temporal/payload-encryption';
import { workflowsSourcePath } from './create-worker';
import { WORKFLOW_INTERCEPTOR_MODULES } from './telemetry';

/**
 * Writes the workflow bundle the way the worker image's build does (Temporal's production
 * recommendation): the project's failure converter and the workflow interceptor modules are inside it,
 * so a worker started with WORKER_WORKFLOW_BUNDLE_PATH runs what production runs, and starts in seconds
 * instead of bundling from source. One recipe for the build, `npm run chaos` and the crash tests.
 */
export async function writeWorkflowBundle(out: string, logLevel: 'INFO' | 'WARN' = 'INFO'): Promise<{ bytes: number }> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: workflowsSourcePath(),
    failureConverterPath: FAILURE_CONVERTER_PATH,
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    logger: new DefaultLogger(logLevel),
  });
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, code);
  return { bytes: code.length };
}

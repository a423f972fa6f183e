import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger, type WorkflowBundle } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../common/temporal/payload-encryption';
import { PRELOADED_WORKFLOW_MODULES, workflowsSourcePath } from './create-worker';
import { WORKFLOW_INTERCEPTOR_MODULES } from './telemetry';

/**
 * The workflow code the way the worker image's build bundles it (Temporal's production recommendation):
 * the project's failure converter and the workflow interceptor modules are inside it. One recipe for the
 * build, `npm run chaos`, the crash tests and replay, so what replays is what production runs.
 */
export function bundleWorkflows(logLevel: 'INFO' | 'WARN' = 'INFO'): Promise<WorkflowBundle> {
  return bundleWorkflowCode({
    workflowsPath: workflowsSourcePath(),
    failureConverterPath: FAILURE_CONVERTER_PATH,
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
    preloadModules: PRELOADED_WORKFLOW_MODULES,
    logger: new DefaultLogger(logLevel),
  });
}

/** Writes that bundle: a worker started with WORKER_WORKFLOW_BUNDLE_PATH starts in seconds instead of bundling from source. */
export async function writeWorkflowBundle(out: string, logLevel: 'INFO' | 'WARN' = 'INFO'): Promise<{ bytes: number }> {
  const { code } = await bundleWorkflows(logLevel);
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, code);
  return { bytes: code.length };
}

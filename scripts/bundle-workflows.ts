// Prebuilds the workflow bundle (Temporal's production recommendation) to the path given.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../common/temporal/payload-encryption';
import { workflowsSourcePath } from '../worker/create-worker';
import { WORKFLOW_INTERCEPTOR_MODULES } from '../worker/telemetry';

async function main() {
  const out = process.argv[2];
  if (!out) throw new Error('usage: bundle-workflows.ts <output.js>');
  const { code } = await bundleWorkflowCode({
    workflowsPath: workflowsSourcePath(),
    failureConverterPath: FAILURE_CONVERTER_PATH,
    workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES,
  });
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, code);
  console.log(`workflow bundle: ${out} (${(code.length / 1024).toFixed(0)} KiB)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

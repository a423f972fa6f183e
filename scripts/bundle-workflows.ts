// Prebuilds the workflow bundle (Temporal's production recommendation) to the path given.
import { writeWorkflowBundle } from '../worker/workflow-bundler';

async function main() {
  const out = process.argv[2];
  if (!out) throw new Error('usage: bundle-workflows.ts <output.js>');
  const { bytes } = await writeWorkflowBundle(out);
  console.log(`workflow bundle: ${out} (${(bytes / 1024).toFixed(0)} KiB)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

// The memory floor's worker process (issue 27): the Temporal SDK and nothing of ours, running the bare
// workflow's prebuilt bundle (BARE_WORKFLOW_BUNDLE, written by the bench) with a no-op activity, so its
// resident memory beside our worker's shows how much of ours is the SDK holding parked workflows.
// Plain TypeScript with no project imports, run by node --experimental-strip-types (no tsx in the process).
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS });
  const worker = await Worker.create({
    connection,
    namespace: process.env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: process.env.TEMPORAL_TASK_QUEUE ?? 'bare',
    workflowBundle: { codePath: process.env.BARE_WORKFLOW_BUNDLE ?? '' },
    activities: { noop: async () => {} },
  });
  process.on('SIGTERM', () => worker.shutdown());
  await worker.run();
  await connection.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

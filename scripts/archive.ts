// `npm run archive -- --from <ISO> --to <ISO> [--task-queue <q>]` (or `--nightly`): starts the archive
// workflow for the window under its idempotent id and waits for it. A running job for the same window
// is joined; a finished one runs again and writes nothing it already wrote.
import { WorkflowFailedError } from '@temporalio/client';
import { startArchive } from '../common/archive/start-archive';
import { createTemporalClient } from '../common/clients/temporal';
import { loadConfigOrExit } from '../common/config';
import type { ArchiveWorkflowResult } from '../common/contracts/archive';
import { args, WINDOW_OPTIONS, windowFromArgs } from './lib/archive-cli';

async function main() {
  const values = args({ ...WINDOW_OPTIONS, 'page-size': { type: 'string' }, concurrency: { type: 'string' } });
  const window = windowFromArgs(values);
  const config = loadConfigOrExit();
  const client = await createTemporalClient(config);
  try {
    const tuning = {
      ...(values['page-size'] ? { pageSize: Number(values['page-size']) } : {}),
      ...(values.concurrency ? { concurrency: Number(values.concurrency) } : {}),
    };
    const { workflowId, started } = await startArchive(client, config, window, { mode: 'rerun', tuning });
    console.log(JSON.stringify({ msg: started ? 'archive started' : 'archive already running; waiting', workflowId, window }));
    const result = (await client.workflow.getHandle(workflowId).result()) as ArchiveWorkflowResult;
    console.log(JSON.stringify({ msg: 'archive finished', workflowId, ...result }));
  } catch (err) {
    if (err instanceof WorkflowFailedError) {
      console.error(
        JSON.stringify({
          msg: 'archive failed',
          error: err.cause?.message ?? err.message,
          type: (err.cause as { type?: string } | undefined)?.type,
        }),
      );
      process.exitCode = 2;
    } else throw err;
  } finally {
    await client.connection.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

// `npm run archive:verify -- --from <ISO> --to <ISO> [--task-queue <q>]`: re-reads the window's archive,
// recomputes every checksum and compares the count with the closed executions in the window. Exits 1
// on any mismatch and names each bad blob.

import { verifyArchive } from '../common/archive/verify';
import { createBlobService } from '../common/clients/blob';
import { createTemporalClient } from '../common/clients/temporal';
import { loadConfigOrExit } from '../common/config';
import { args, WINDOW_OPTIONS, windowFromArgs } from './lib/archive-cli';

async function main() {
  const window = windowFromArgs(args(WINDOW_OPTIONS));
  const config = loadConfigOrExit();
  const client = await createTemporalClient(config);
  try {
    const report = await verifyArchive({
      client,
      container: createBlobService(config).getContainerClient(config.WORKFLOW_ARCHIVES_CONTAINER),
      window,
    });
    for (const p of report.problems) console.error(`BAD ${p.blob}: ${p.problem}${p.detail ? ` (${p.detail})` : ''}`);
    console.log(
      JSON.stringify({
        msg: report.ok ? 'archive verified' : 'archive verification FAILED',
        window,
        manifest: report.manifest,
        closedExecutions: report.closedExecutions,
        manifestCount: report.manifestCount,
        verifiedBlobs: report.verifiedBlobs,
        problems: report.problems.length,
      }),
    );
    if (!report.ok) process.exitCode = 1;
  } finally {
    await client.connection.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

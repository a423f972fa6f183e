// `npm run archive:verify -- --from <ISO> --to <ISO> [--task-queue <q>]`: re-reads the window's archive,
// recomputes every checksum and compares the count with the closed executions in the window; checks the
// window's audit trail (its hash chain, and today's audit records against it). Exits 1 on any mismatch
// and names each bad blob and each edited, deleted or unarchived audit record.

import { verifyArchive } from '../common/archive/verify';
import { createDataBlobService } from '../common/clients/blob';
import { createFirebase } from '../common/clients/firebase';
import { createTemporalClient } from '../common/clients/temporal';
import { loadConfigOrExit } from '../common/config';
import { args, WINDOW_OPTIONS, windowFromArgs } from './lib/archive-cli';

async function main() {
  const window = windowFromArgs(args(WINDOW_OPTIONS));
  const config = loadConfigOrExit();
  const client = await createTemporalClient(config);
  const firebase = createFirebase(config);
  try {
    const report = await verifyArchive({
      client,
      container: createDataBlobService(config).getContainerClient(config.WORKFLOW_ARCHIVES_CONTAINER),
      window,
      db: firebase.db,
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
        auditRecords: report.auditRecords,
        problems: report.problems.length,
      }),
    );
    if (!report.ok) process.exitCode = 1;
  } finally {
    await Promise.all([client.connection.close(), firebase.close()]);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

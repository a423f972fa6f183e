import { patched, proxyActivities, setWorkflowOptions, sleep } from '@temporalio/workflow';
import type { EraseMemberInput, ErasureCounts } from '../../common/contracts/erasure';
import { FailureType } from '../../common/contracts/failures';
import type { ErasureActivities } from '../activities/erasure';

// A member's erasure (DELETE /api/me), durable: its id is derived from the member and the erasure's
// number, every step is an idempotent activity retried until done, so a crash anywhere resumes here and
// erases everything once. Order matters: open scans end first (nothing writes the member's data
// afterwards), Temporal's copies go before the documents that name them, and the archive key is
// destroyed before the erasure says completed.

/**
 * The patch that added the wait for the upload URLs to expire and the last photo sweep after it. Runs
 * recorded before it (no marker) replay their recorded path; remove the old branch with deprecatePatch
 * once no erasure started before this deploy can still be open (an erasure runs minutes, not days).
 */
export const LAST_SWEEP_PATCH = 'erasure-last-sweep-after-upload-urls';

const steps = proxyActivities<ErasureActivities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: [FailureType.InvalidActivityInput],
  },
});

// AUTO_UPGRADE, not pinned: an erasure is a legal duty that must finish on the current code (a fix reaches
// erasures already running, behind patched() as LAST_SWEEP_PATCH is) and must never keep an old build's
// workers alive while it waits for the upload URLs to expire; every step is an idempotent activity.
setWorkflowOptions({ versioningBehavior: 'AUTO_UPGRADE' }, eraseMemberWorkflow);

/** ERASE_MEMBER_WORKFLOW (common/contracts/workflow-types.ts). */
export async function eraseMemberWorkflow(input: EraseMemberInput): Promise<ErasureCounts> {
  const { userId, sequence, sweepAfter } = input;
  const { scanIds, cancelled } = await steps.cancelMemberScans({ userId });
  const photos = await steps.deleteMemberPhotos({ userId });
  const executions = await steps.deleteMemberExecutions({ userId, scanIds });
  const records = await steps.deleteMemberRecords({ userId, scanIds });
  let lastPhotos: { deleted: number };
  let key: { destroyed: boolean };
  if (patched(LAST_SWEEP_PATCH)) {
    key = await steps.destroyMemberArchiveKey({ userId });
    // Until every upload URL handed to the member before the erasure began has expired (a durable timer:
    // workflow time is replay-safe), then the member's photos once more: a PUT through such a URL after
    // the first sweep is gone when the erasure completes.
    const wait = sweepAfter ? Date.parse(sweepAfter) - Date.now() : 0;
    if (wait > 0) await sleep(wait);
    lastPhotos = await steps.deleteMemberPhotos({ userId });
  } else {
    // Photos written while the records were erased (an upload URL still valid): gone too.
    lastPhotos = await steps.deleteMemberPhotos({ userId });
    key = await steps.destroyMemberArchiveKey({ userId });
  }
  const counts: ErasureCounts = {
    scansCancelled: cancelled,
    scansDeleted: records.deleted,
    photosDeleted: photos.deleted + lastPhotos.deleted,
    executionsDeleted: executions.deleted,
    archiveKeyDestroyed: key.destroyed,
  };
  await steps.completeErasure(sequence === undefined ? { userId, counts } : { userId, sequence, counts });
  return counts;
}

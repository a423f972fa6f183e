import { proxyActivities } from '@temporalio/workflow';
import type { EraseMemberInput, ErasureCounts } from '../../common/contracts/erasure';
import { FailureType } from '../../common/contracts/failures';
import type { ErasureActivities } from '../activities/erasure';

// A member's erasure (DELETE /api/me), durable: its id is derived from the member, every step is an
// idempotent activity retried until done, so a crash anywhere resumes here and erases everything once.
// Order matters: open scans end first (nothing writes the member's data afterwards), Temporal's copies
// go before the documents that name them, and the archive key is destroyed last.

export async function eraseMemberWorkflow(input: EraseMemberInput): Promise<ErasureCounts> {
  const { userId } = input;
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
  const { scanIds, cancelled } = await steps.cancelMemberScans({ userId });
  const photos = await steps.deleteMemberPhotos({ userId });
  const executions = await steps.deleteMemberExecutions({ userId, scanIds });
  const records = await steps.deleteMemberRecords({ userId, scanIds });
  // Photos written while the records were erased (an upload URL still valid): gone too.
  const lastPhotos = await steps.deleteMemberPhotos({ userId });
  const key = await steps.destroyMemberArchiveKey({ userId });
  const counts: ErasureCounts = {
    scansCancelled: cancelled,
    scansDeleted: records.deleted,
    photosDeleted: photos.deleted + lastPhotos.deleted,
    executionsDeleted: executions.deleted,
    archiveKeyDestroyed: key.destroyed,
  };
  await steps.completeErasure({ userId, counts });
  return counts;
}

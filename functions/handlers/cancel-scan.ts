import { WorkflowNotFoundError } from '@temporalio/common';
import { CancelResponseSchema, ScanParamsSchema } from '../../common/contracts/api';
import { MEMBER_MESSAGES } from '../../common/contracts/failures';
import { FINAL_STATUSES } from '../../common/contracts/scan';
import type { ScanDocument } from '../../common/contracts/scan-document';
import { writeAudit } from '../../common/scans/audit-log';
import { refundScanCredit, scanRef } from '../../common/scans/repository';
import type { Deps } from '../deps';
import { ScanFinishedError } from '../errors';
import { defineHttp } from '../framework/types';
import { loadVisibleScan, statusPath } from '../scans/access';
import { retainPhotosBeforeStart, scanLock } from '../scans/start-when-ready';

/** A scan whose photos never all arrived has no workflow: it ends here, with the credit refunded. */
async function cancelBeforeStart(deps: Deps, scan: ScanDocument): Promise<boolean> {
  const at = deps.now().toISOString();
  const cancelled = await deps.db.runTransaction(async (tx) => {
    const snap = await tx.get(scanRef(deps.db, scan.scanId));
    if (snap.data()?.status !== 'awaiting_upload') return false;
    tx.update(scanRef(deps.db, scan.scanId), {
      status: 'cancelled',
      error: { code: 'cancelled', message: MEMBER_MESSAGES.cancelled },
      updatedAt: at,
      endedAt: at,
    });
    return true;
  });
  if (cancelled) {
    await refundScanCredit(deps.db, scan.scanId, deps.now());
    await retainPhotosBeforeStart(deps, scan);
  }
  return cancelled;
}

export const cancelScan = defineHttp({
  kind: 'http',
  name: 'cancelScan',
  route: 'scans/{scanId}/cancel',
  methods: ['POST'],
  auth: 'owner',
  summary: 'Cancel a scan that has not finished; the credit is refunded',
  tags: ['scans'],
  params: ScanParamsSchema,
  responses: {
    202: {
      description: 'cancellation requested; the status URL reports it',
      schema: CancelResponseSchema,
      headers: { Location: 'status URL' },
    },
    400: { description: 'invalid scan id', codes: ['validation_failed'] },
    401: { description: 'no or invalid token', codes: ['unauthenticated', 'invalid_token'] },
    403: { description: 'a reviewer who is not the owner', codes: ['owner_only'] },
    404: { description: 'no such scan for this caller', codes: ['scan_not_found'] },
    410: { description: 'the scan has finished', codes: ['scan_finished'] },
  },
  async handler({ params, principal, deps, urlFor }) {
    const scan = await loadVisibleScan(deps, params.scanId, principal);
    if (FINAL_STATUSES.includes(scan.status)) throw new ScanFinishedError(scan.status);
    const statusUrl = urlFor(statusPath(scan.scanId));
    if (scan.status === 'awaiting_upload' && (await scanLock.run(scan.scanId, () => cancelBeforeStart(deps, scan)))) {
      await writeAudit(
        deps.db,
        {
          scanId: scan.scanId,
          userId: scan.ownerId,
          action: 'scan_cancel_requested',
          outcome: 'cancelled',
          actor: `member:${principal.uid}`,
        },
        deps.now(),
      );
      return { status: 202, body: { scanId: scan.scanId, status: 'cancelled', statusUrl }, headers: { Location: statusUrl } };
    }
    const client = await deps.temporal();
    try {
      await client.workflow.getHandle(scan.workflowId).cancel();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        const now = (await scanRef(deps.db, scan.scanId).get()).data();
        throw new ScanFinishedError(now?.status ?? scan.status);
      }
      throw err;
    }
    await writeAudit(
      deps.db,
      {
        scanId: scan.scanId,
        userId: scan.ownerId,
        action: 'scan_cancel_requested',
        outcome: 'requested',
        actor: `member:${principal.uid}`,
      },
      deps.now(),
    );
    return { status: 202, body: { scanId: scan.scanId, status: scan.status, statusUrl }, headers: { Location: statusUrl } };
  },
});

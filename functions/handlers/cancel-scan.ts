import { WorkflowNotFoundError } from '@temporalio/common';
import { CancelResponseSchema, ScanParamsSchema } from '../../common/contracts/api';
import { MEMBER_MESSAGES } from '../../common/contracts/failures';
import { isFinalStatus, type ScanStatus, ScanStatusSchema } from '../../common/contracts/scan';
import type { ScanDocument } from '../../common/contracts/scan-document';
import { writeAudit } from '../../common/scans/audit-log';
import { scanRef } from '../../common/scans/repository';
import type { Deps } from '../deps';
import { scanFinished } from '../errors';
import { defineHttp } from '../framework/types';
import { loadVisibleScan, statusPath } from '../scans/access';
import { endBeforeStart, scanLock } from '../scans/start-when-ready';

/** A scan whose photos never all arrived has no workflow: it ends here, through the one ending. */
function cancelBeforeStart(deps: Deps, scan: ScanDocument, actor: string): Promise<boolean> {
  return endBeforeStart(deps, scan, {
    scanId: scan.scanId,
    status: 'cancelled',
    error: { code: 'cancelled', message: MEMBER_MESSAGES.cancelled },
    audit: { userId: scan.ownerId, action: 'scan_cancel_requested', actor },
  });
}

/** The status the scan document holds now (the workflow's activities keep it current). */
async function currentStatus(deps: Deps, scanId: string): Promise<ScanStatus> {
  return ScanStatusSchema.parse((await scanRef(deps.db, scanId).get()).data()?.status);
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
    403: { description: 'a reviewer who is not the owner', codes: ['owner_only'] },
    404: { description: 'no such scan for this caller', codes: ['scan_not_found'] },
    410: { description: 'the scan has finished', codes: ['scan_finished'] },
  },
  async handler({ params, principal, deps, urlFor }) {
    const scan = await loadVisibleScan(deps, params.scanId, principal);
    if (isFinalStatus(scan.status)) throw scanFinished(scan.status);
    const statusUrl = urlFor(statusPath(scan.scanId));
    if (
      scan.status === 'awaiting_upload' &&
      (await scanLock.run(scan.scanId, () => cancelBeforeStart(deps, scan, `member:${principal.uid}`)))
    ) {
      return { status: 202, body: { scanId: scan.scanId, status: 'cancelled', statusUrl }, headers: { Location: statusUrl } };
    }
    const client = await deps.temporal();
    try {
      await client.workflow.getHandle(scan.workflowId).cancel();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        throw scanFinished(await currentStatus(deps, scan.scanId));
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
    // The real status now (e.g. awaiting_review, or cancelled if the workflow already ended it).
    return {
      status: 202,
      body: { scanId: scan.scanId, status: await currentStatus(deps, scan.scanId), statusUrl },
      headers: { Location: statusUrl },
    };
  },
});

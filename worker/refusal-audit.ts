import type { SerializationContext } from '@temporalio/common';
import type { InjectedSinks } from '@temporalio/worker';
import type { Firestore } from 'firebase-admin/firestore';
import { memberOfErasureWorkflow } from '../common/contracts/erasure';
import { workflowIdForScan } from '../common/contracts/scan';
import type { ReviewAuditSinks, ReviewRefusal } from '../common/contracts/workflow-messages';
import { appendAudit } from '../common/scans/audit-log';
import { scanRef } from '../common/scans/repository';

// Audit records of what the worker refused before any workflow code acted on it: a plaintext payload (a
// Temporal client without the payload key) and a review decision the update validator turned away. Both
// happen outside an activity (in the codec, in a validator), so they are written here, by the worker
// process. Each refusal is its own record. Best effort: a failed write is logged, and the refusal stands.

const SCAN_PREFIX = workflowIdForScan('');
/** What a refused message claimed is kept only when it looks like an identifier (it is the sender's text). */
const identifier = (value: string | undefined) => (value && /^[A-Za-z0-9_-]{1,64}$/.test(value) ? value : undefined);

/** The scan and member a workflow id names (a scan workflow's document names its owner; an erasure's id its member). */
async function memberOf(db: Firestore, workflowId: string | undefined): Promise<{ scanId?: string; userId: string }> {
  const erased = workflowId && memberOfErasureWorkflow(workflowId);
  if (erased) return { userId: erased };
  if (!workflowId?.startsWith(SCAN_PREFIX)) return { userId: 'unknown' };
  const scanId = workflowId.slice(SCAN_PREFIX.length);
  const owner = (await scanRef(db, scanId).get()).data()?.ownerId;
  return { scanId, userId: typeof owner === 'string' ? owner : 'unknown' };
}

export function refusalAudit(db: Firestore, now: () => Date = () => new Date()) {
  const write = (what: string, entry: Parameters<typeof appendAudit>[1]) =>
    appendAudit(db, entry, now()).catch((err: unknown) =>
      console.error(JSON.stringify({ msg: 'audit record of a refusal not written', what, error: (err as Error).name })),
    );
  return {
    /** For the payload codec: a plaintext payload was refused for this workflow (or activity). */
    unencryptedRefused(context: SerializationContext | undefined): void {
      const workflowId = context?.type === 'workflow' ? context.workflowId : context?.workflowId;
      void memberOf(db, workflowId).then((m) =>
        write('unencrypted_payload', {
          ...m,
          action: 'unencrypted_payload_refused',
          outcome: 'refused',
          actor: 'system:worker',
          subject: { workflowId: (workflowId ?? 'unknown').slice(0, 64), namespace: (context?.namespace ?? 'unknown').slice(0, 64) },
        }),
      );
    },
    /** The workflow's update validator turned a review decision away (see ReviewAuditSinks). */
    sinks(): InjectedSinks<ReviewAuditSinks> {
      return {
        reviewAudit: {
          decisionRefused: {
            fn: (_info, r: ReviewRefusal) => {
              const claimedReviewer = identifier(r.claimedReviewerId);
              const decisionId = identifier(r.decisionId);
              void write('review_decision', {
                scanId: r.scanId,
                userId: r.userId,
                action: 'review_decision_refused',
                outcome: r.reason,
                actor: 'system:worker',
                subject: { ...(claimedReviewer ? { claimedReviewer } : {}), ...(decisionId ? { decisionId } : {}) },
              });
            },
            callDuringReplay: false,
          },
        },
      };
    },
  };
}

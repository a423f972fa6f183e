import { ApplicationFailure } from '@temporalio/activity';
import { z } from 'zod';
import { FailureType } from '../../common/contracts/failures';
import {
  AngleSchema,
  EndedWithoutResultsSchema,
  PhotoRetentionSchema,
  ReviewDecisionSchema,
  ReviewGateOutcomeSchema,
  ReviewReasonSchema,
  ReviewVerdictSchema,
  ScanErrorSchema,
  type ScanStatus,
} from '../../common/contracts/scan';
import { type Provenance, ScanResultsSchema } from '../../common/contracts/scan-results';
import { type ScanAuditEntry, writeAudit } from '../../common/scans/audit-log';
import { scanHistoryCollection } from '../../common/scans/refs';
import { consentRef, hasConsent, scanRef, updateScan } from '../../common/scans/repository';
import { reviewSignatureValid } from '../../common/scans/review-signature';
import { endScanWithoutResults } from '../../common/scans/scan-ending';
import { deleteScanPhotos } from '../../common/scans/sealed-photos';
import { agentProvenance, summarizeModelUsage } from '../model/provenance';
import { type ActivityDeps, photoContainers } from './deps';
import { activityOccurrence, progressOf, recordScanStep, scanNotFound, WORKER } from './scan-progress';
import { parseOrFail } from './validate';

export { recordScanStep };

// Each activity's input, declared once: the activity's parameter type is inferred from it.
const ScanRefSchema = z.object({ scanId: z.string(), userId: z.string() });
const EnterReviewInputSchema = ScanRefSchema.extend({
  reasons: z.array(ReviewReasonSchema).min(1),
  timeoutSeconds: z.number().int().positive(),
  onTimeout: ReviewVerdictSchema,
});
const LeaveReviewInputSchema = ScanRefSchema.extend({
  outcome: ReviewGateOutcomeSchema,
  appliedDecision: ReviewVerdictSchema,
  reviewerId: z.string().optional(),
  /** The signed decision as the workflow received it; verified here, so anything is accepted as input. */
  decision: z.unknown().optional(),
});
const PersistResultsInputSchema = ScanRefSchema.extend({
  capturedAt: z.string(),
  /** The run's workflow type (workflowInfo()); the build id is this worker's own. */
  workflowType: z.string().min(1),
  results: ScanResultsSchema,
});
const EndScanInputSchema = ScanRefSchema.extend({
  status: EndedWithoutResultsSchema,
  error: ScanErrorSchema,
  photos: z.record(AngleSchema, z.string()),
  policy: PhotoRetentionSchema,
  /** The run's workflow type (workflowInfo()); the build id is this worker's own. */
  workflowType: z.string().min(1),
});

export function createScanRecordActivities(deps: ActivityDeps) {
  const { db, now, reviewSigningKey } = deps;
  /** No scan_analysis consent: the scan stops without retrying (the member revoked it or never gave it). */
  async function requireScanConsent(userId: string): Promise<void> {
    const consent = await consentRef(db, userId, 'scan_analysis').get();
    if (!hasConsent(consent.data())) {
      throw ApplicationFailure.create({
        type: FailureType.ConsentRequired,
        message: 'scan_analysis consent is not granted',
        nonRetryable: true,
      });
    }
  }

  return {
    /**
     * The first step of a run: consent checked (it can be revoked between upload and analysis), then the
     * scan moved to running with its progress and the `scan_started` audit record in one transaction.
     */
    async beginScan(input: z.infer<typeof ScanRefSchema>): Promise<{ status: ScanStatus }> {
      const { scanId, userId } = parseOrFail(ScanRefSchema, input, 'scan start');
      await requireScanConsent(userId);
      const moved = await updateScan(db, scanId, {
        now: now(),
        occurrence: activityOccurrence(),
        to: 'running',
        fields: { progress: progressOf('running', 'consent') },
        audits: [{ scanId, userId, action: 'scan_started', outcome: 'ok', actor: WORKER }],
      }).catch(scanNotFound);
      return { status: moved.status };
    },

    /**
     * The scan waits for a human: status, what the reviewer queue needs (reasons, when it entered, when
     * the timeout decides) and the audit record, in one transaction.
     */
    async enterReview(input: z.input<typeof EnterReviewInputSchema>): Promise<{ entered: boolean }> {
      const { scanId, userId, reasons, timeoutSeconds, onTimeout } = parseOrFail(EnterReviewInputSchema, input, 'review entry');
      const at = now();
      const moved = await updateScan(db, scanId, {
        now: at,
        occurrence: activityOccurrence(),
        to: 'awaiting_review',
        fields: {
          progress: progressOf('awaiting_review', 'review'),
          review: {
            reasons,
            enteredReviewAt: at.toISOString(),
            reviewDeadline: new Date(at.getTime() + timeoutSeconds * 1000).toISOString(),
            onTimeout,
          },
        },
        audits: [{ scanId, userId, action: 'review_requested', outcome: reasons.join(','), actor: WORKER }],
      }).catch(scanNotFound);
      return { entered: moved.applied };
    },

    /**
     * The review gate opened (decision or timeout): back to running, with who decided what, audited. A
     * decision is first verified: signed by the functions app (REVIEW_SIGNING_KEY) for this scan, saying
     * what the workflow is about to apply. One that is not is refused (audited, the scan left waiting).
     */
    async leaveReview(input: z.input<typeof LeaveReviewInputSchema>): Promise<{ refused?: 'signature_invalid' }> {
      const { scanId, userId, outcome, appliedDecision, reviewerId, decision } = parseOrFail(LeaveReviewInputSchema, input, 'review exit');
      const at = now();
      if (outcome !== 'timed_out') {
        const signed = ReviewDecisionSchema.safeParse(decision);
        const genuine =
          signed.success &&
          reviewSignatureValid(reviewSigningKey, signed.data) &&
          signed.data.scanId === scanId &&
          signed.data.reviewerId === reviewerId &&
          signed.data.decision === appliedDecision;
        if (!genuine) {
          await writeAudit(
            db,
            {
              scanId,
              userId,
              action: 'review_decision_refused',
              outcome: 'signature_invalid',
              actor: WORKER,
              subject: {
                ...(reviewerId && /^[A-Za-z0-9_-]{1,64}$/.test(reviewerId) ? { claimedReviewer: reviewerId } : {}),
                ...(signed.success ? { decisionId: signed.data.decisionId } : {}),
              },
            },
            at,
            activityOccurrence(),
          );
          return { refused: 'signature_invalid' };
        }
      }
      const audit: ScanAuditEntry =
        outcome === 'timed_out'
          ? { scanId, userId, action: 'review_timed_out', outcome: appliedDecision, actor: WORKER }
          : { scanId, userId, action: 'review_decided', outcome: appliedDecision, actor: `reviewer:${reviewerId}` };
      await updateScan(db, scanId, {
        now: at,
        occurrence: activityOccurrence(),
        to: 'running',
        fields: { progress: progressOf('running', 'review'), 'review.decidedAt': at.toISOString(), 'review.outcome': outcome },
        audits: [audit],
      }).catch(scanNotFound);
      return {};
    },

    /**
     * Writes the results, the member's history entry, the final status and the audit records in one
     * transaction. Running it again (a retry, a restarted worker) finds the results there and writes nothing.
     */
    async persistResults(input: z.input<typeof PersistResultsInputSchema>): Promise<{ written: boolean }> {
      const { scanId, userId, capturedAt, workflowType, results } = parseOrFail(PersistResultsInputSchema, input, 'results');
      const history = scanHistoryCollection(db, userId).doc(scanId);
      const at = now();
      const modelUsage = summarizeModelUsage(results);
      const provenance: Provenance = { workflowType, buildId: deps.buildId, agents: agentProvenance(results) };
      const written = await updateScan(db, scanId, {
        now: at,
        occurrence: activityOccurrence(),
        to: 'completed',
        fields: {
          results: { ...results, ...(modelUsage ? { modelUsage } : {}), provenance },
          'credit.state': 'consumed',
          progress: progressOf('completed', 'done'),
          endedAt: at.toISOString(),
        },
        audits: [
          { scanId, userId, action: 'results_persisted', outcome: 'ok', actor: WORKER },
          { scanId, userId, action: 'scan_completed', outcome: 'completed', actor: WORKER },
        ],
        also: (write) =>
          write.set(history, {
            scanId,
            takenAt: capturedAt,
            bodyFatPercent: results.estimate.bodyFatPercent,
            weightKg: results.estimate.weightKg,
            leanMassKg: results.estimate.leanMassKg,
            fatMassKg: results.estimate.fatMassKg,
            method: results.estimate.method,
            ...(results.estimate.repeatability ? { repeatability: results.estimate.repeatability } : {}),
          }),
      }).catch(scanNotFound);
      return { written: written.applied };
    },

    /**
     * The workflow's end without results (failed, rejected, cancelled): the same path as a rejected
     * upload or a cancel before start (see endScanWithoutResults).
     */
    async endScan(input: z.input<typeof EndScanInputSchema>): Promise<{ ended: boolean; refunded: boolean; status: ScanStatus }> {
      const args = parseOrFail(EndScanInputSchema, input, 'scan end');
      const { ended, refunded, status } = await endScanWithoutResults(db, {
        scanId: args.scanId,
        status: args.status,
        error: args.error,
        now: now(),
        provenance: { workflowType: args.workflowType, buildId: deps.buildId, agents: {} },
        audit: { userId: args.userId, action: 'scan_ended', actor: WORKER },
        // Retention 'keep' leaves the sealed copies; 'delete' removes them and anything at the upload location.
        retainPhotos: async () => {
          if (args.policy === 'keep') return;
          await deleteScanPhotos(photoContainers(deps), args.photos);
          await scanRef(db, args.scanId).update({ photosDeleted: true, updatedAt: now().toISOString() });
        },
      }).catch(scanNotFound);
      return { ended, refunded, status };
    },
  };
}

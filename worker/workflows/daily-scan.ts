// The scan workflow: one scan, from the consent check to the member's push. Deterministic code only (the
// activities do every read and write); a change here must replay every recorded history
// (worker/replay.test.ts), because scans wait at the review gate for up to 48 hours and replay on
// whichever worker picks them up.

import type { Duration } from '@temporalio/common';
import {
  ActivityCancellationType,
  type ActivityOptions,
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  proxySinks,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { FailureType, MEMBER_MESSAGES, NON_RETRYABLE_FAILURES } from '../../common/contracts/failures';
import {
  type DailyScanInput,
  type EndedWithoutResults,
  type Progress,
  REVIEW_DECISION_MAX_AGE_MS,
  type ReviewDecision,
  ReviewDecisionSchema,
  type ReviewReason,
  ReviewReasonSchema,
  SCAN_STEP_PERCENT,
  type ScanError,
  type ScanStatus,
  type ScanStep,
} from '../../common/contracts/scan';
import { ScanProgressKey, ScanStatusKey } from '../../common/contracts/search-attributes';
import {
  consentRevokedSignal,
  progressQuery,
  type ReviewAuditSinks,
  ReviewUpdateRejection,
  submitReviewUpdate,
} from '../../common/contracts/workflow-messages';
import type { ScanActivities } from '../activities';

// --- activity options: retry budgets by fault class ---------------------------------------------------

/**
 * Transient faults of a step: a lost worker (seen as a start-to-close or heartbeat timeout), a model
 * timeout, 429 or 5xx. Backoff 1 s doubling to 1 min over 12 attempts waits about 7 minutes in all, so a
 * worker restart plus several model faults in one step still ends in a completed scan.
 */
export const TRANSIENT_FAULT_ATTEMPTS = 12;
export const TRANSIENT_FAULT_MAX_INTERVAL: Duration = '1 minute';
/** Record writes are idempotent transactions: a scan must not fail because the database blinked. */
export const RECORD_WRITE_ATTEMPTS = 30;

/** Bad input (photos rejected, no consent, invalid activity input) is never retried: NON_RETRYABLE_FAILURES. */
const retry = (maximumAttempts: number, maximumInterval: Duration): ActivityOptions['retry'] => ({
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval,
  maximumAttempts,
  nonRetryableErrorTypes: NON_RETRYABLE_FAILURES,
});

// The heartbeat timeout notices a lost worker within a minute, not at the end of the step's timeout (a
// model call heartbeats while it waits).
const agents = proxyActivities<ScanActivities>({
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '1 minute',
  retry: retry(TRANSIENT_FAULT_ATTEMPTS, TRANSIENT_FAULT_MAX_INTERVAL),
});
/** The estimate may wait on a vision model: more time per attempt, the same budget. */
const estimator = proxyActivities<ScanActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: retry(TRANSIENT_FAULT_ATTEMPTS, TRANSIENT_FAULT_MAX_INTERVAL),
});
/**
 * Writes that move the status wait for their cancellation to complete: a cancelled write that is still
 * running finishes before the workflow writes the end, so nothing lands after it (the repository's
 * forward-only transaction makes a late one a no-op anyway).
 */
const records = proxyActivities<ScanActivities>({
  startToCloseTimeout: '30 seconds',
  retry: retry(RECORD_WRITE_ATTEMPTS, '1 minute'),
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

// --- helpers ------------------------------------------------------------------------------------------

/** Attach a no-op handler so a step started early cannot become an unhandled rejection if an earlier step fails first. */
function early<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

// A failure arrives wrapped (an ActivityFailure around the activity's ApplicationFailure, perhaps inside a
// cancellation): the first typed ApplicationFailure along the cause chain says why the scan stopped.
function failureType(err: unknown): string | undefined {
  for (let e: unknown = err; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    if (e instanceof ApplicationFailure && e.type) return e.type;
  }
  return undefined;
}

function failureDetails(err: unknown): ScanError['details'] {
  for (let e: unknown = err; e instanceof Error; e = (e as { cause?: unknown }).cause) {
    if (e instanceof ApplicationFailure && e.details?.length) return e.details[0] as ScanError['details'];
  }
  return undefined;
}

/** How a scan that did not complete ends, and what the member is told. */
function endOutcome(err: unknown, consentRevoked: boolean): { status: EndedWithoutResults; error: ScanError } {
  const type = failureType(err);
  if (type === FailureType.PhotosRejected) {
    return {
      status: 'rejected',
      error: { code: 'photos_rejected', message: MEMBER_MESSAGES.photos_rejected, details: failureDetails(err) },
    };
  }
  if (type === FailureType.ReviewRejected)
    return { status: 'rejected', error: { code: 'review_rejected', message: MEMBER_MESSAGES.review_rejected } };
  if (type === FailureType.ConsentRequired || consentRevoked) {
    return { status: 'failed', error: { code: 'consent_required', message: MEMBER_MESSAGES.consent_required } };
  }
  if (isCancellation(err)) return { status: 'cancelled', error: { code: 'cancelled', message: MEMBER_MESSAGES.cancelled } };
  return { status: 'failed', error: { code: 'analysis_failed', message: MEMBER_MESSAGES.failed } };
}

const { reviewAudit } = proxySinks<ReviewAuditSinks>();

/**
 * The update validator's refusals, typed so the functions app maps them without reading messages, and
 * each handed to the worker to audit (a validator runs only live, never on replay). What can be checked
 * here without the signing key is: a decision signed for this scan, recently. The signature itself is
 * verified by leaveReview before the decision is applied (the key never enters workflow code or history).
 */
function validateReviewDecision(
  d: ReviewDecision,
  state: { awaitingReview: boolean; decided: boolean; scanId: string; userId: string },
): void {
  const claimed = d as Partial<Record<'reviewerId' | 'decisionId', unknown>> | undefined;
  const refuse = (type: ReviewUpdateRejection): never => {
    reviewAudit.decisionRefused({
      scanId: state.scanId,
      userId: state.userId,
      reason: type,
      ...(typeof claimed?.reviewerId === 'string' ? { claimedReviewerId: claimed.reviewerId } : {}),
      ...(typeof claimed?.decisionId === 'string' ? { decisionId: claimed.decisionId } : {}),
    });
    throw ApplicationFailure.create({ type, message: type, nonRetryable: true });
  };
  if (!ReviewDecisionSchema.safeParse(d).success) refuse(ReviewUpdateRejection.DecisionInvalid);
  if (!state.awaitingReview || state.decided) refuse(ReviewUpdateRejection.NotAwaitingReview);
  if (!d.reviewerRoles.includes('reviewer')) refuse(ReviewUpdateRejection.ReviewerRoleRequired);
  if (d.reviewerId === state.userId) refuse(ReviewUpdateRejection.SelfReviewNotAllowed);
  // Workflow time (deterministic): a decision captured and sent again later, or for another scan, is stale or misaddressed.
  if (d.scanId !== state.scanId || Math.abs(Date.now() - Date.parse(d.signedAt)) > REVIEW_DECISION_MAX_AGE_MS)
    refuse(ReviewUpdateRejection.DecisionInvalid);
}

// --- the pipeline -------------------------------------------------------------------------------------

export interface DailyScanResult {
  scanId: string;
  status: Extract<ScanStatus, 'completed' | 'rejected'>;
  error?: ScanError;
}

/**
 * One scan (DAILY_SCAN_WORKFLOW in common/contracts/workflow-types.ts). The activities that move it
 * forward write its status, progress and audit records in the transaction they already run, so a
 * completed scan with no review costs 12 billable actions: the start, beginScan, the seven agents,
 * persistResults, notifyMember and one search-attribute upsert (common/temporal/billable-actions.ts);
 * with a model, the photo judgement is an eighth agent (13).
 */
export async function dailyScanWorkflowV3(input: DailyScanInput): Promise<DailyScanResult> {
  const { scanId, userId, measurements } = input;
  // The start gives the search attributes `running`; the workflow upserts only when that changes.
  let searchStatus: ScanStatus = 'running';
  let progress: Progress = { status: 'running', step: 'queued', percent: 0 };
  let awaitingReview = false;
  let decision: ReviewDecision | undefined;
  let consentRevoked = false;

  const reach = (step: ScanStep, status: ScanStatus = progress.status) => {
    progress = { status, step, percent: Math.max(progress.percent, SCAN_STEP_PERCENT[step]) };
    if (status === searchStatus) return;
    searchStatus = status;
    upsertSearchAttributes([
      { key: ScanStatusKey, value: status },
      { key: ScanProgressKey, value: progress.percent },
    ]);
  };

  // Kept for operators (`temporal workflow query`); the app reads scans/{scanId}, never this.
  setHandler(progressQuery, () => progress);
  setHandler(consentRevokedSignal, () => {
    consentRevoked = true;
    pipeline.cancel();
  });
  setHandler(
    submitReviewUpdate,
    (d) => {
      decision = d;
      return { accepted: true } as const;
    },
    { validator: (d) => validateReviewDecision(d, { awaitingReview, decided: decision !== undefined, scanId, userId }) },
  );

  const pipeline = new CancellationScope();
  try {
    await pipeline.run(async () => {
      reach('consent');
      await records.beginScan({ scanId, userId });

      // Hydration needs only the weight: it starts with the photo check.
      const hydration = early(agents.planHydration({ measurements }));
      reach('quality');
      // The estimate starts once the deterministic checks pass, beside the model's judgement, and is
      // dropped with the scan if the judgement rejects the photos (agent-dependencies.ts). Compatible
      // with open runs without a patch: a check scheduled before `judgeSeparately` existed answers
      // without `judgementPending`, and the run then issues the commands its history recorded.
      const checked = await agents.checkPhotoQuality({ scanId, userId, photos: input.photos, judgeSeparately: true });
      const estimated = early(estimator.estimateBodyComposition({ scanId, userId, measurements, quality: checked }));
      const quality = checked.judgementPending ? await agents.judgePhotoQuality({ scanId, userId, checked }) : checked;
      reach('estimate');
      const estimate = await estimated;

      // Nutrition and workout need the estimate, not the deltas; insights need both.
      const nutrition = early(agents.planNutrition({ measurements, estimate }));
      const workout = early(agents.planWorkout({ measurements, estimate }));
      reach('deltas');
      const deltas = await agents.computeDeltas({ userId, scanId, capturedAt: measurements.capturedAt, measurements, estimate });
      reach('advice');
      const insights = early(agents.generateInsights({ measurements, estimate, deltas }));

      // The review gate holds back publishing, not the advice agents. A reason the estimate gives that
      // this code does not know is dropped rather than failing the scan.
      const reasons: ReviewReason[] = [
        ...(estimate.confidence < input.review.minConfidence ? (['low_confidence'] as const) : []),
        ...(deltas.implausibleChange ? (['implausible_change'] as const) : []),
        ...(estimate.reviewReasons ?? []).flatMap((r) => {
          const known = ReviewReasonSchema.safeParse(r);
          return known.success ? [known.data] : [];
        }),
      ];
      const review = early(reviewGate(reasons));
      const [h, n, w, i, r] = await Promise.all([hydration, nutrition, workout, insights, review]);
      if (r.required && r.appliedDecision === 'reject') {
        throw ApplicationFailure.create({ type: FailureType.ReviewRejected, message: 'review rejected the scan', nonRetryable: true });
      }

      reach('persist');
      await records.persistResults({
        scanId,
        userId,
        capturedAt: measurements.capturedAt,
        // The activity adds its own build id: workflow code reads no environment.
        workflowType: workflowInfo().workflowType,
        results: { quality, estimate, deltas, insights: i, nutrition: n, workout: w, hydration: h, review: r },
      });
      reach('notify', 'completed');
      await records.notifyMember({ scanId, userId, outcome: 'completed' });
      reach('done');
    });
    return { scanId, status: 'completed' };
  } catch (err) {
    const cancelled = isCancellation(err) && !consentRevoked;
    const outcome = endOutcome(err, consentRevoked);
    // Compensation runs to the end even when the workflow itself is being cancelled.
    await CancellationScope.nonCancellable(async () => {
      pipeline.cancel(); // stop whatever was started early and is still running
      awaitingReview = false;
      reach('done', outcome.status);
      const end = await records.endScan({
        scanId,
        userId,
        status: outcome.status,
        error: outcome.error,
        photos: input.photos,
        policy: input.photoRetentionOnFailure,
        workflowType: workflowInfo().workflowType,
      });
      // The member hears how the scan really ended: a cancel that came after the results were written
      // leaves it completed, and that is what they are told.
      const told = end.status === 'completed' ? 'completed' : outcome.status;
      await records.notifyMember({ scanId, userId, outcome: told });
    });
    if (outcome.status === 'rejected') return { scanId, status: 'rejected', error: outcome.error };
    if (cancelled) throw err;
    // The failure message is an identifier-only summary; the cause chain keeps the activity failure.
    throw ApplicationFailure.create({
      type: outcome.error.code,
      message: `scan ${scanId} ${outcome.status}`,
      nonRetryable: true,
      cause: err instanceof Error ? err : undefined,
    });
  }

  /** A flagged scan waits for a reviewer's decision, or for the timeout to decide as configured. */
  async function reviewGate(reasons: ReviewReason[]) {
    if (reasons.length === 0) return { required: false as const };
    awaitingReview = true;
    reach('review', 'awaiting_review');
    const { timeoutSeconds, onTimeout } = input.review;
    await records.enterReview({ scanId, userId, reasons, timeoutSeconds, onTimeout });
    // One push, no health data: the member knows why the scan takes longer.
    const told = early(records.notifyMember({ scanId, userId, outcome: 'in_review' }));
    // A decision whose signature leaveReview refuses (forged with the payload key) is dropped, and the
    // scan waits on for a real one until the same deadline. Histories recorded before signatures replay
    // unchanged: their leaveReview results say nothing about a refusal.
    const deadline = Date.now() + timeoutSeconds * 1000;
    for (let waitMs = timeoutSeconds * 1000; ; waitMs = Math.max(1, deadline - Date.now())) {
      const decided = await condition(() => decision !== undefined, waitMs);
      awaitingReview = false;
      const reviewerDecision = decided ? decision : undefined;
      const result = reviewerDecision
        ? {
            required: true as const,
            reasons,
            outcome: reviewerDecision.decision === 'approve' ? ('approved' as const) : ('rejected' as const),
            appliedDecision: reviewerDecision.decision,
            reviewerId: reviewerDecision.reviewerId,
            notes: reviewerDecision.notes,
          }
        : { required: true as const, reasons, outcome: 'timed_out' as const, appliedDecision: onTimeout };
      await told;
      const left = await records.leaveReview({
        scanId,
        userId,
        outcome: result.outcome,
        appliedDecision: result.appliedDecision,
        reviewerId: reviewerDecision?.reviewerId,
        ...(reviewerDecision ? { decision: reviewerDecision } : {}),
      });
      if (left?.refused) {
        decision = undefined;
        awaitingReview = true;
        continue;
      }
      reach('review', 'running');
      return result;
    }
  }
}

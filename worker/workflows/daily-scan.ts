import {
  ApplicationFailure,
  CancellationScope,
  condition,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { ScanActivities } from '../activities';
import type { Duration } from '@temporalio/common';
import { FailureType, MEMBER_MESSAGES, NON_RETRYABLE_FAILURES } from '../../common/contracts/failures';
import {
  ReviewDecisionSchema,
  type DailyScanInput,
  type Progress,
  type ReviewDecision,
  type ScanError,
  type ScanStatus,
} from '../../common/contracts/scan';
import { ScanProgressKey, ScanStatusKey } from '../../common/contracts/search-attributes';
import { consentRevokedSignal, progressQuery, submitReviewUpdate } from '../../common/contracts/workflow-messages';

// Timeouts and retries fit each step: the checks are quick and bad photos never retry; the estimate
// may be slow (a model later), so it heartbeats and gets more time and attempts; writes retry long.
const retry = (maximumAttempts: number, maximumInterval: Duration = '30 seconds'): ActivityOptions['retry'] => ({
  initialInterval: '1 second',
  backoffCoefficient: 2,
  maximumInterval,
  maximumAttempts,
  nonRetryableErrorTypes: NON_RETRYABLE_FAILURES,
});
const checks = proxyActivities<ScanActivities>({ startToCloseTimeout: '1 minute', retry: retry(3) });
const estimation = proxyActivities<ScanActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '30 seconds',
  retry: retry(6, '1 minute'),
});
const agents = proxyActivities<ScanActivities>({ startToCloseTimeout: '2 minutes', heartbeatTimeout: '30 seconds', retry: retry(5) });
const writes = proxyActivities<ScanActivities>({ startToCloseTimeout: '30 seconds', retry: retry(20, '1 minute') });

const PERCENT: Record<string, number> = {
  queued: 0,
  consent: 5,
  quality: 15,
  estimate: 35,
  deltas: 50,
  advice: 65,
  review: 75,
  persist: 85,
  notify: 95,
  done: 100,
};

export interface DailyScanResult {
  scanId: string;
  status: Extract<ScanStatus, 'completed' | 'rejected'>;
  error?: ScanError;
}

/** Attach a no-op handler so a step started early cannot become an unhandled rejection if an earlier step fails first. */
function early<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

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

export async function dailyScanWorkflow(input: DailyScanInput): Promise<DailyScanResult> {
  const { scanId, userId, measurements } = input;
  let progress: Progress = { status: 'queued', step: 'queued', percent: 0 };
  let awaitingReview = false;
  let decision: ReviewDecision | undefined;
  let consentRevoked = false;
  const audits: Promise<unknown>[] = [];

  const setProgress = (step: string, status: ScanStatus = progress.status) => {
    const previousPercent = progress.percent;
    const percent = Math.max(previousPercent, PERCENT[step] ?? previousPercent);
    const statusChanged = status !== progress.status;
    progress = { status, step, percent };
    if (statusChanged || percent !== previousPercent) {
      upsertSearchAttributes([
        { key: ScanStatusKey, value: status },
        { key: ScanProgressKey, value: percent },
      ]);
    }
  };
  // Audit records are append-only and keyed by scan and action, so they run alongside the pipeline.
  const audit = (action: string, outcome: string, actor = 'system:worker') => {
    audits.push(early(writes.recordAudit({ scanId, userId, action, outcome, actor })));
  };

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
    {
      validator: (d) => {
        ReviewDecisionSchema.parse(d);
        if (!awaitingReview || decision) throw new Error('not_awaiting_review');
        if (!d.reviewerRoles.includes('reviewer')) throw new Error('reviewer_role_required');
        if (d.reviewerId === userId) throw new Error('self_review_not_allowed');
      },
    },
  );

  const pipeline = new CancellationScope();
  try {
    await pipeline.run(async () => {
      setProgress('consent', 'running');
      audit('scan_started', 'ok');
      await Promise.all([checks.checkConsent({ userId, scanId }), writes.setScanStatus({ scanId, status: 'running' })]);

      // Hydration needs only the weight: it starts with the photo check.
      const hydration = early(agents.planHydration({ measurements }));
      setProgress('quality');
      const quality = await checks.checkPhotoQuality({ scanId, userId, photos: input.photos });
      audit('quality_checked', 'passed');

      setProgress('estimate');
      const estimate = await estimation.estimateBodyComposition({ scanId, measurements, quality });
      audit('estimate_completed', estimate.method);

      // Nutrition and workout need the estimate, not the deltas; insights need both.
      const nutrition = early(agents.planNutrition({ measurements, estimate }));
      const workout = early(agents.planWorkout({ measurements, estimate }));
      setProgress('deltas');
      const deltas = await agents.computeDeltas({ userId, scanId, capturedAt: measurements.capturedAt, measurements, estimate });
      setProgress('advice');
      const insights = early(agents.generateInsights({ measurements, estimate, deltas }));

      // The review gate holds back publishing, not the advice agents.
      const reasons = [
        ...(estimate.confidence < input.review.minConfidence ? ['low_confidence'] : []),
        ...(deltas.implausibleChange ? ['implausible_change'] : []),
        // A vision estimate far from the anthropometric prior (model configured). Patched: runs recorded before
        // this reason existed replay unchanged.
        ...(estimate.reviewReasons?.length && patched('estimate-review-reasons') ? estimate.reviewReasons : []),
      ];
      const review = early(reviewGate(reasons));
      const [h, n, w, i, r] = await Promise.all([hydration, nutrition, workout, insights, review]);
      if (r.required && r.appliedDecision === 'reject') {
        throw ApplicationFailure.create({ type: FailureType.ReviewRejected, message: 'review rejected the scan', nonRetryable: true });
      }

      setProgress('persist');
      await writes.persistResults({
        scanId,
        userId,
        capturedAt: measurements.capturedAt,
        results: { quality, estimate, deltas, insights: i, nutrition: n, workout: w, hydration: h, review: r },
      });
      audit('results_persisted', 'ok');
      setProgress('notify', 'completed');
      await writes.notifyMember({ scanId, userId, outcome: 'completed' });
      audit('member_notified', 'completed');
      setProgress('done', 'completed');
      audit('scan_completed', 'completed');
    });
    await Promise.all(audits);
    return { scanId, status: 'completed' };
  } catch (err) {
    const type = failureType(err);
    const cancelled = isCancellation(err) && !consentRevoked;
    const outcome: { status: 'rejected' | 'failed' | 'cancelled'; error: ScanError } =
      type === FailureType.PhotosRejected
        ? {
            status: 'rejected',
            error: { code: 'photos_rejected', message: 'Some photos could not be used.', details: failureDetails(err) },
          }
        : type === FailureType.ReviewRejected
          ? { status: 'rejected', error: { code: 'review_rejected', message: MEMBER_MESSAGES.review_rejected } }
          : type === FailureType.ConsentRequired || consentRevoked
            ? { status: 'failed', error: { code: 'consent_required', message: MEMBER_MESSAGES.consent_required } }
            : cancelled
              ? { status: 'cancelled', error: { code: 'cancelled', message: MEMBER_MESSAGES.cancelled } }
              : { status: 'failed', error: { code: 'analysis_failed', message: MEMBER_MESSAGES.failed } };

    // Compensation runs to the end even when the workflow itself is being cancelled.
    await CancellationScope.nonCancellable(async () => {
      pipeline.cancel(); // stop whatever was started early and is still running
      awaitingReview = false;
      setProgress('done', outcome.status);
      audit('scan_ended', outcome.status);
      await Promise.all([
        writes.refundCredit({ scanId, userId }),
        writes.applyPhotoRetention({ scanId, photos: input.photos, policy: input.photoRetentionOnFailure }),
      ]);
      await writes.markScanEnded({ scanId, status: outcome.status, error: outcome.error });
      await writes.notifyMember({ scanId, userId, outcome: outcome.status });
      audit('compensated', outcome.status);
      await Promise.allSettled(audits);
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

  async function reviewGate(reasons: string[]) {
    if (reasons.length === 0) return { required: false as const };
    awaitingReview = true;
    setProgress('review', 'awaiting_review');
    audit('review_requested', reasons.join(','));
    await writes.setScanStatus({ scanId, status: 'awaiting_review' });
    const decided = await condition(() => decision !== undefined, input.review.timeoutSeconds * 1000);
    awaitingReview = false;
    setProgress('review', 'running');
    if (!decided || !decision) {
      audit('review_timed_out', input.review.onTimeout);
      return { required: true as const, reasons, outcome: 'timed_out' as const, appliedDecision: input.review.onTimeout };
    }
    audit('review_decided', decision.decision, `reviewer:${decision.reviewerId}`);
    return {
      required: true as const,
      reasons,
      outcome: decision.decision === 'approve' ? ('approved' as const) : ('rejected' as const),
      appliedDecision: decision.decision,
      reviewerId: decision.reviewerId,
      notes: decision.notes,
    };
  }
}

import { defineQuery, defineSignal, defineUpdate, type Sinks } from '@temporalio/workflow';
import type { Progress, ReviewDecision } from './scan';

// Messages of the scan workflow (DAILY_SCAN_WORKFLOW), shared by the workflow and its callers (the functions app, tests).
export const progressQuery = defineQuery<Progress>('progress');
export const submitReviewUpdate = defineUpdate<{ accepted: true }, [ReviewDecision]>('submitReview');
/** Sent when the member revokes scan_analysis consent: the scan stops at its next step. */
export const consentRevokedSignal = defineSignal('consentRevoked');

/** Why the submitReview update's validator refused a decision (the ApplicationFailure type). */
export const ReviewUpdateRejection = {
  NotAwaitingReview: 'not_awaiting_review',
  ReviewerRoleRequired: 'reviewer_role_required',
  SelfReviewNotAllowed: 'self_review_not_allowed',
  /** Not a decision the functions app signed for this scan just now: unsigned, for another scan, or stale. */
  DecisionInvalid: 'review_decision_invalid',
} as const;
export type ReviewUpdateRejection = (typeof ReviewUpdateRejection)[keyof typeof ReviewUpdateRejection];

/**
 * What the update validator hands the worker process about a refused decision (a validator may not do
 * I/O; a sink is Temporal's one-way door out of workflow code, never called on replay). The worker writes
 * the audit record. Identifiers only: the claimed reviewer is what the message said, not who sent it.
 */
export interface ReviewRefusal {
  scanId: string;
  userId: string;
  reason: ReviewUpdateRejection;
  claimedReviewerId?: string;
  decisionId?: string;
}
export interface ReviewAuditSinks extends Sinks {
  reviewAudit: { decisionRefused(refusal: ReviewRefusal): void };
}

import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
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
} as const;
export type ReviewUpdateRejection = (typeof ReviewUpdateRejection)[keyof typeof ReviewUpdateRejection];

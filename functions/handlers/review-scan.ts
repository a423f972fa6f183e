import type { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { temporalClientSdk } from '../../common/clients/sdk-modules';
import { ReviewRequestSchema, ReviewResponseSchema, ScanParamsSchema } from '../../common/contracts/api';
import { isFinalStatus } from '../../common/contracts/scan';
import { ReviewUpdateRejection, submitReviewUpdate } from '../../common/contracts/workflow-messages';
import { writeAudit } from '../../common/scans/audit-log';
import { scanRef } from '../../common/scans/repository';
import { parseReviewSigningKey, signReviewDecision } from '../../common/scans/review-signature';
import { ApiProblem, scanFinished } from '../errors';
import { defineHttp } from '../framework/types';
import { loadVisibleScan } from '../scans/access';

/** The workflow's update validator refuses with a typed ApplicationFailure; each type maps to a stable problem. */
function rejectionOf(err: WorkflowUpdateFailedError): Error {
  const type = err.cause instanceof ApplicationFailure ? err.cause.type : undefined;
  // This app signed the decision a moment ago: a refused signature is a fault here (clock, key), not the caller's.
  if (type === ReviewUpdateRejection.DecisionInvalid) return err;
  if (type === ReviewUpdateRejection.SelfReviewNotAllowed)
    return new ApiProblem('self_review_not_allowed', 'a reviewer cannot decide on their own scan');
  if (type === ReviewUpdateRejection.ReviewerRoleRequired)
    return new ApiProblem('reviewer_role_required', 'this endpoint is for reviewers');
  return new ApiProblem('not_awaiting_review', 'the scan is not waiting for a review decision');
}

export const reviewScan = defineHttp({
  kind: 'http',
  name: 'reviewScan',
  route: 'scans/{scanId}/review',
  methods: ['POST'],
  auth: 'reviewer',
  summary: "A reviewer's decision for a scan waiting at the review gate",
  tags: ['review'],
  params: ScanParamsSchema,
  body: ReviewRequestSchema,
  responses: {
    200: { description: 'decision accepted by the workflow', schema: ReviewResponseSchema },
    400: { description: 'invalid request', codes: ['validation_failed', 'malformed_json', 'body_required'] },
    403: { description: 'not a reviewer, or own scan', codes: ['reviewer_role_required', 'self_review_not_allowed'] },
    404: { description: 'no such scan waiting for this reviewer (or decided by them)', codes: ['scan_not_found'] },
    409: { description: 'the scan is not waiting for a review', codes: ['not_awaiting_review'] },
    410: { description: 'the scan has finished', codes: ['scan_finished'] },
  },
  async handler({ params, body, principal, deps }) {
    const scan = await loadVisibleScan(deps, params.scanId, principal, 'decide');
    if (isFinalStatus(scan.status)) throw scanFinished(scan.status);
    if (scan.ownerId === principal.uid) throw new ApiProblem('self_review_not_allowed', 'a reviewer cannot decide on their own scan');
    if (scan.status === 'awaiting_upload') throw new ApiProblem('not_awaiting_review', 'the scan has not started yet');
    const client = await deps.temporal();
    try {
      // Signed here, verified by the worker: Temporal access alone cannot decide in a reviewer's name.
      const decision = signReviewDecision(
        parseReviewSigningKey(deps.config.REVIEW_SIGNING_KEY),
        { decision: body.decision, notes: body.notes, reviewerId: principal.uid, reviewerRoles: principal.roles, scanId: scan.scanId },
        new Date(), // the wall clock, which the workflow's clock is compared with (not the app's injectable one)
      );
      await client.workflow.getHandle(scan.workflowId).executeUpdate(submitReviewUpdate, { args: [decision] });
    } catch (err) {
      if (err instanceof temporalClientSdk().WorkflowUpdateFailedError) throw rejectionOf(err);
      if (err instanceof WorkflowNotFoundError) throw scanFinished();
      throw err;
    }
    // The decider keeps access to the scan they decided until REVIEW_ACCESS_AFTER_DECISION_SECONDS after now (see reviewerMaySee).
    await scanRef(deps.db, scan.scanId).update({ reviewedBy: principal.uid, reviewedAt: deps.now().toISOString() });
    await writeAudit(
      deps.db,
      { scanId: scan.scanId, userId: scan.ownerId, action: 'review_submitted', outcome: body.decision, actor: `reviewer:${principal.uid}` },
      deps.now(),
    );
    return { status: 200, body: { scanId: scan.scanId, accepted: true, decision: body.decision } };
  },
});

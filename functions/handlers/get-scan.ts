import { ScanCompletedResponseSchema, ScanParamsSchema, ScanPendingResponseSchema } from '../../common/contracts/api';
import { MEMBER_MESSAGES } from '../../common/contracts/failures';
import { ScanEndedProblem } from '../errors';
import { defineHttp } from '../framework/types';
import { loadVisibleScan, statusPath } from '../scans/access';
import { liveProgress } from '../scans/progress';
import { inspectUploads } from '../scans/start-when-ready';

export const getScan = defineHttp({
  kind: 'http',
  name: 'getScan',
  route: 'scans/{scanId}',
  methods: ['GET'],
  auth: 'owner',
  summary: 'Status of a scan, the way Durable Functions reports it: 202 while running, 200 with results',
  tags: ['scans'],
  params: ScanParamsSchema,
  responses: {
    200: { description: 'completed, with results', schema: ScanCompletedResponseSchema },
    202: {
      description: 'not finished; poll again after Retry-After',
      schema: ScanPendingResponseSchema,
      headers: { 'Retry-After': 'seconds', Location: 'status URL' },
    },
    400: { description: 'invalid scan id', codes: ['validation_failed'] },
    404: {
      description: 'no such scan for this caller: the owner sees theirs, a reviewer one waiting for review or one they decided (audited)',
      codes: ['scan_not_found'],
    },
    410: { description: 'cancelled', codes: ['cancelled'] },
    422: {
      description: 'rejected or failed, with the member-facing reason',
      codes: ['photos_rejected', 'review_rejected', 'consent_required', 'analysis_failed'],
    },
  },
  async handler({ params, principal, deps, urlFor }) {
    const scan = await loadVisibleScan(deps, params.scanId, principal, { read: 'scan' });
    const statusUrl = urlFor(statusPath(scan.scanId));
    switch (scan.status) {
      case 'completed':
        return {
          status: 200,
          body: {
            scanId: scan.scanId,
            status: 'completed',
            results: scan.results ?? {},
            createdAt: scan.createdAt,
            updatedAt: scan.updatedAt,
            endedAt: scan.endedAt,
          },
        };
      case 'rejected':
      case 'failed':
      case 'cancelled':
        throw new ScanEndedProblem(scan.status, scan.scanId, scan.error);
      case 'awaiting_upload': {
        const { missing } = await inspectUploads(deps, scan);
        const progress = liveProgress(scan);
        return {
          status: 202,
          body: {
            scanId: scan.scanId,
            status: scan.status,
            progress,
            missingPhotos: missing,
            statusUrl,
            createdAt: scan.createdAt,
            updatedAt: scan.updatedAt,
          },
          headers: { 'Retry-After': '2', Location: statusUrl },
        };
      }
      default: {
        const progress = liveProgress(scan);
        const review =
          scan.status === 'awaiting_review' && scan.review
            ? {
                message: MEMBER_MESSAGES.in_review,
                enteredReviewAt: scan.review.enteredReviewAt,
                reviewDeadline: scan.review.reviewDeadline,
              }
            : undefined;
        return {
          status: 202,
          body: {
            scanId: scan.scanId,
            status: scan.status,
            progress,
            ...(review ? { review } : {}),
            statusUrl,
            createdAt: scan.createdAt,
            updatedAt: scan.updatedAt,
          },
          headers: { 'Retry-After': String(retryAfterSeconds(scan.status, scan.review?.reviewDeadline, deps.now())), Location: statusUrl },
        };
      }
    }
  },
});

/** A running scan finishes in seconds to minutes. */
export const RUNNING_RETRY_AFTER_SECONDS = 2;
/**
 * A review takes a person minutes to hours and ends with a push; polling more often than this learns
 * nothing sooner. Never later than the review deadline, when the timeout decides.
 */
export const REVIEW_RETRY_AFTER_SECONDS = 300;

export function retryAfterSeconds(status: string, reviewDeadline: string | undefined, now: Date): number {
  if (status !== 'awaiting_review') return RUNNING_RETRY_AFTER_SECONDS;
  const untilDeadline = reviewDeadline ? Math.ceil((Date.parse(reviewDeadline) - now.getTime()) / 1000) : REVIEW_RETRY_AFTER_SECONDS;
  return Math.max(RUNNING_RETRY_AFTER_SECONDS, Math.min(REVIEW_RETRY_AFTER_SECONDS, untilDeadline));
}

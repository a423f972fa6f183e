import { z } from 'zod';
import { type ReviewQueueItem, ReviewQueueQuerySchema, ReviewQueueResponseSchema } from '../../common/contracts/api';
import { ReviewVerdictSchema } from '../../common/contracts/scan';
import { Collections, type ScanDocument } from '../../common/contracts/scan-document';
import { Queries } from '../../common/scans/queries';
import { scanHistoryCollection } from '../../common/scans/refs';
import { scansCollection } from '../../common/scans/repository';
import type { Deps } from '../deps';
import { defineHttp } from '../framework/types';
import { keysetPage } from '../scans/keyset-page';
import { decodeCursor, encodeCursor } from './list-scans';

const DEFAULT_LIMIT = 10;
/** Recent history shown with each scan: enough for a chart of the last few months. */
const HISTORY_POINTS = 60;

/** What the workflow records on the scan when it enters review (written by the worker's review-entry step). */
const ReviewEntrySchema = z.object({
  reasons: z.array(z.string()).optional(),
  enteredReviewAt: z.string().optional(),
  reviewDeadline: z.string().optional(),
  onTimeout: ReviewVerdictSchema.optional(),
});
const ReviewRequestedAuditSchema = z.object({ outcome: z.string(), at: z.string() });

// The cursor has the shape of GET /api/scans' (epoch ms and scan id), here of the time the scan started waiting.
const reviewCursor = (scan: Pick<ScanDocument, 'updatedAt' | 'scanId'>) => encodeCursor({ createdAt: scan.updatedAt, scanId: scan.scanId });

export const listReviews = defineHttp({
  kind: 'http',
  name: 'listReviews',
  route: 'reviews',
  methods: ['GET'],
  auth: 'reviewer',
  summary:
    'Scans waiting for a review decision, oldest first: ids, reasons, time waiting and deadline only (no health data); each links to its review packet',
  tags: ['review'],
  query: ReviewQueueQuerySchema,
  responses: {
    200: { description: 'one page', schema: ReviewQueueResponseSchema },
    400: { description: 'invalid limit or cursor', codes: ['validation_failed'] },
  },
  async handler({ query, principal, deps, urlFor }) {
    const limit = Number(query.limit ?? DEFAULT_LIMIT);
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    // Entering review is the scan's last write until a decision, so updatedAt is when it started waiting.
    const snap = await keysetPage(
      scansCollection(deps.db),
      Queries.reviewQueue,
      { status: 'awaiting_review' },
      after && { value: after.createdAt, id: after.scanId },
      limit,
    );
    const docs = snap.map((d) => d.data());
    const page = docs.slice(0, limit);
    const last = page[page.length - 1];
    // A reviewer never decides on their own scan; it stays in the queue for the others.
    // Ids, reasons and times only: nothing of the member's health is read here, so nothing is audited.
    const items = await Promise.all(page.filter((s) => s.ownerId !== principal.uid).map((s) => queueItem(deps, s, urlFor)));
    return {
      status: 200,
      body: { items, nextCursor: docs.length > limit && last ? reviewCursor(last) : null },
    };
  },
});

async function queueItem(deps: Deps, scan: ScanDocument, urlFor: (path: string) => string): Promise<ReviewQueueItem> {
  return { ...(await reviewTimes(deps, scan)), packetUrl: urlFor(reviewPacketPath(scan.scanId)) };
}

export const reviewPacketPath = (scanId: string) => `/api/reviews/${scanId}`;

/** Why the scan waits, since when, until when, and what the deadline decides: the queue's whole item. */
export async function reviewTimes(deps: Deps, scan: ScanDocument) {
  const now = deps.now();
  const entry = await reviewEntry(deps, scan);
  const entered = Date.parse(entry.enteredReviewAt);
  const deadline = Date.parse(entry.reviewDeadline);
  return {
    scanId: scan.scanId,
    reasons: entry.reasons,
    enteredReviewAt: entry.enteredReviewAt,
    reviewDeadline: entry.reviewDeadline,
    onTimeout: entry.onTimeout,
    waitingSeconds: Math.max(0, Math.floor((now.getTime() - entered) / 1000)),
    secondsLeft: Math.max(0, Math.floor((deadline - now.getTime()) / 1000)),
  };
}

/**
 * Reasons, entry time and deadline as the workflow recorded them on the scan; for scans that entered review
 * before the scan carried them: the review_requested audit record, and the configured timeout from then.
 */
export async function reviewEntry(deps: Deps, scan: ScanDocument) {
  const recorded = ReviewEntrySchema.safeParse(scan.review);
  const r = recorded.success ? recorded.data : {};
  let reasons = r.reasons;
  let enteredReviewAt = r.enteredReviewAt;
  if (!reasons || !enteredReviewAt) {
    const audit = await deps.db.collection(Collections.auditLogs).doc(`${scan.scanId}_review_requested`).get();
    const a = ReviewRequestedAuditSchema.safeParse(audit.data());
    reasons ??= a.success ? a.data.outcome.split(',').filter(Boolean) : [];
    enteredReviewAt ??= a.success ? a.data.at : scan.updatedAt;
  }
  const reviewDeadline =
    r.reviewDeadline ?? new Date(Date.parse(enteredReviewAt) + deps.config.REVIEW_TIMEOUT_SECONDS * 1000).toISOString();
  return { reasons, enteredReviewAt, reviewDeadline, onTimeout: r.onTimeout ?? deps.config.REVIEW_TIMEOUT_DECISION };
}

/** The member's last scans, oldest first: numbers for a body-fat / weight chart. */
export async function recentHistory(deps: Deps, ownerId: string) {
  const snap = await scanHistoryCollection(deps.db, ownerId).orderBy('takenAt', 'desc').limit(HISTORY_POINTS).get();
  return snap.docs
    .map((d) => d.data())
    .map((p) => ({ takenAt: p.takenAt, bodyFatPercent: p.bodyFatPercent, weightKg: p.weightKg }))
    .reverse();
}

import { z } from 'zod';
import { type ReviewQueueItem, ReviewQueueQuerySchema, ReviewQueueResponseSchema } from '../../common/contracts/api';
import { ScanAnalysisSchema } from '../../common/contracts/deltas';
import { ANGLES, ageAtCapture, ReviewVerdictSchema } from '../../common/contracts/scan';
import { Collections, type ScanDocument } from '../../common/contracts/scan-document';
import { Queries } from '../../common/scans/queries';
import { scanHistoryCollection } from '../../common/scans/refs';
import { scansCollection } from '../../common/scans/repository';
import type { Deps } from '../deps';
import { defineHttp, type Principal } from '../framework/types';
import { auditHealthDataRead, statusPath } from '../scans/access';
import { keysetPage } from '../scans/keyset-page';
import { createPhotoReadSigner, type UploadSigner } from '../scans/upload-urls';
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

const readSigners = new WeakMap<Deps, UploadSigner>();
const readSigner = (deps: Deps): UploadSigner => {
  let s = readSigners.get(deps);
  if (!s) {
    s = createPhotoReadSigner(deps.config, deps.dataBlob);
    readSigners.set(deps, s);
  }
  return s;
};

export const listReviews = defineHttp({
  kind: 'http',
  name: 'listReviews',
  route: 'reviews',
  methods: ['GET'],
  auth: 'reviewer',
  summary:
    'Scans waiting for a review decision, oldest first: reasons, measurements, estimate, deltas, recent history, time left and short-lived photo URLs (every read audited)',
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
    const items = await Promise.all(page.filter((s) => s.ownerId !== principal.uid).map((s) => queueItem(deps, s, principal, urlFor)));
    return {
      status: 200,
      body: { items, nextCursor: docs.length > limit && last ? reviewCursor(last) : null },
    };
  },
});

async function queueItem(deps: Deps, scan: ScanDocument, reader: Principal, urlFor: (path: string) => string): Promise<ReviewQueueItem> {
  const now = deps.now();
  const [entry, history] = await Promise.all([reviewEntry(deps, scan), recentHistory(deps, scan.ownerId)]);
  const analysis = ScanAnalysisSchema.safeParse(scan.analysis);
  const m = scan.measurements;
  await auditHealthDataRead(deps, scan, reader, 'review_queue_entry');
  const photos = await Promise.all(
    // Only the sealed copies the analysis used (the upload location is emptied at submit).
    ANGLES.filter((angle) => scan.sealedPhotos?.[angle] && scan.photos[angle] && !scan.photosDeleted).map(async (angle) => {
      await auditHealthDataRead(deps, scan, reader, 'photo_read_url', 'review', angle);
      const signed = await readSigner(deps).sign(scan.photos[angle] as string, now);
      return { angle, url: signed.url, expiresAt: signed.expiresAt.toISOString() };
    }),
  );
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
    measurements: { weightKg: m.weightKg, heightCm: m.heightCm, age: ageAtCapture(m), sex: m.sex, capturedAt: m.capturedAt },
    estimate: analysis.success ? analysis.data.estimate : null,
    deltas: analysis.success ? analysis.data.deltas : null,
    history,
    photos,
    reviewUrl: urlFor(`${statusPath(scan.scanId)}/review`),
  };
}

/**
 * Reasons, entry time and deadline as the workflow recorded them on the scan; for scans that entered review
 * before the scan carried them: the review_requested audit record, and the configured timeout from then.
 */
async function reviewEntry(deps: Deps, scan: ScanDocument) {
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
async function recentHistory(deps: Deps, ownerId: string) {
  const snap = await scanHistoryCollection(deps.db, ownerId).orderBy('takenAt', 'desc').limit(HISTORY_POINTS).get();
  return snap.docs
    .map((d) => d.data())
    .map((p) => ({ takenAt: p.takenAt, bodyFatPercent: p.bodyFatPercent, weightKg: p.weightKg }))
    .reverse();
}

import { metrics } from '@opentelemetry/api';
import { z } from 'zod';
import { firestoreSdk } from '../../common/clients/sdk-modules';
import { Collections } from '../../common/contracts/scan-document';
import { METER_NAME, REVIEWER_ATTRIBUTE, ReviewMetrics } from '../../common/telemetry-names';
import type { Deps } from '../deps';

// Reads of members' health data per reviewer and clock hour, counted in Firestore so every instance of the
// app adds to the same count. Each read past REVIEW_READS_ALERT_PER_HOUR adds one to the metric the
// `reviewer-reads-over-threshold` alert rule watches (infra/app/alerts.bicep): a reviewer paging through
// far more scans than a review needs is worth a look.

const ReviewerReadCountSchema = z.object({ count: z.number().int().nonnegative() });

/** The counter document of one reviewer and hour (`2026-12-07T11`, UTC). */
export const reviewerReadsRef = (deps: Pick<Deps, 'db'>, reviewerUid: string, at: Date) =>
  deps.db.collection(Collections.reviewerReads).doc(`${reviewerUid}_${at.toISOString().slice(0, 13)}`);

/** Counts one read; returns the reviewer's reads in this hour so far. */
export async function countReviewerRead(deps: Pick<Deps, 'db' | 'now' | 'config'>, reviewerUid: string): Promise<number> {
  const now = deps.now();
  const ref = reviewerReadsRef(deps, reviewerUid, now);
  // An increment, not a transaction: concurrent photo reads of one reviewer never contend; the count read
  // back may include a read made at the same moment, which errs towards alerting.
  await ref.set(
    { reviewerId: reviewerUid, hour: now.toISOString().slice(0, 13), count: firestoreSdk().FieldValue.increment(1) },
    { merge: true },
  );
  const parsed = ReviewerReadCountSchema.safeParse((await ref.get()).data());
  const count = parsed.success ? parsed.data.count : 1;
  if (count > deps.config.REVIEW_READS_ALERT_PER_HOUR) {
    // The global meter provider (common/telemetry.ts) is looked up at the time of the read.
    metrics
      .getMeter(METER_NAME)
      .createCounter(ReviewMetrics.readsOverThreshold, { description: 'reviewer health-data reads beyond the hourly threshold' })
      .add(1, { [REVIEWER_ATTRIBUTE]: reviewerUid });
  }
  return count;
}

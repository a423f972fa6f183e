import type { ScanDocument } from '../../common/contracts/scan-document';
import { appendAudit } from '../../common/scans/audit-log';
import { scanRef } from '../../common/scans/repository';
import type { Deps } from '../deps';
import { ApiProblem } from '../errors';
import type { Principal } from '../framework/types';
import { countReviewerRead } from './reviewer-reads';

// Access by need. A member sees their own scans. A reviewer sees another member's scan only while it
// waits for a review, or for a set time after they decided it (REVIEW_ACCESS_AFTER_DECISION_SECONDS);
// every other scan is 404 to them, exactly as a scan that does not exist. Every read of a member's health
// data by someone other than the owner is audited, and counted per reviewer and hour (reviewer-reads.ts).

/** Why someone other than the owner reads a scan: a review, or a link the member shared (a coach). */
export type ReadPurpose = 'review' | 'shared_link';

/** Who read: a signed-in reviewer, or whoever holds one of the member's share links (named by the link). */
export type Reader = Principal | { shareId: string };

/** What was read (for the audit record). */
export type HealthDataRead = 'scan' | 'scan_events' | 'review_packet' | 'review_photo' | 'report';

/** The fields of a scan the rule reads. */
export type ScanAccessFacts = Pick<ScanDocument, 'status' | 'ownerId' | 'reviewedBy' | 'reviewedAt' | 'review'>;

/** When a decider's access ends: the time now and how long it lasts after the decision. */
export interface ReviewerAccessClock {
  now: Date;
  afterDecisionSeconds: number;
}
export const reviewerAccessClock = (deps: Pick<Deps, 'now' | 'config'>): ReviewerAccessClock => ({
  now: deps.now(),
  afterDecisionSeconds: deps.config.REVIEW_ACCESS_AFTER_DECISION_SECONDS,
});

/**
 * The one rule of what a reviewer may see: a scan waiting for a review, or one this reviewer decided, until
 * the configured time after the decision. A decision without a recorded time (before it was recorded) falls
 * back to when the workflow left review; without either, access has ended.
 */
export function reviewerMaySee(scan: ScanAccessFacts, reviewer: Principal, clock: ReviewerAccessClock): boolean {
  if (!reviewer.isReviewer || scan.ownerId === reviewer.uid) return false;
  if (scan.status === 'awaiting_review') return true;
  if (scan.reviewedBy !== reviewer.uid) return false;
  const decidedAt = Date.parse(scan.reviewedAt ?? scan.review?.decidedAt ?? '');
  return Number.isFinite(decidedAt) && clock.now.getTime() < decidedAt + clock.afterDecisionSeconds * 1000;
}

/** The scan's owner: a member's account with its uid (a staff account owns no member's data, whatever its uid). */
export const isOwner = (scan: Pick<ScanDocument, 'ownerId'>, who: Principal): boolean => !who.staff && scan.ownerId === who.uid;

/** Whether this caller may see the scan at all: its owner, or a reviewer with a need. */
export function maySee(scan: ScanAccessFacts, who: Principal, clock: ReviewerAccessClock): boolean {
  return isOwner(scan, who) || reviewerMaySee(scan, who, clock);
}

/** Audit record of a read of a member's health data by someone else: who, what, when (`at`), why. */
export async function auditHealthDataRead(
  deps: Deps,
  scan: Pick<ScanDocument, 'scanId' | 'ownerId' | 'status'>,
  reader: Reader,
  what: HealthDataRead,
  why: ReadPurpose = 'review',
  angle?: string,
): Promise<void> {
  // Every read is its own record; a reviewer's reads are also counted against the hourly alert threshold.
  if (!('shareId' in reader)) await countReviewerRead(deps, reader.uid);
  await appendAudit(
    deps.db,
    {
      scanId: scan.scanId,
      userId: scan.ownerId,
      action: 'health_data_read',
      outcome: what,
      actor: 'shareId' in reader ? `share:${reader.shareId}` : `reviewer:${reader.uid}`,
      subject: {
        what,
        why,
        scanStatus: scan.status,
        ...(angle ? { angle } : {}),
        ...('shareId' in reader ? { shareId: reader.shareId } : {}),
      },
    },
    deps.now(),
  );
}

export async function readScan(deps: Deps, scanId: string): Promise<ScanDocument | undefined> {
  return (await scanRef(deps.db, scanId).get()).data();
}

/**
 * The scan when the caller may see it. With `reviewers: { read }` a reviewer with a need (see
 * `reviewerMaySee`) reads it and the read is audited as `read`; with `'decide'` a reviewer with a need
 * gets it to act on (nothing of it is returned); with `'none'` (owner-only endpoints) a reviewer with a
 * need gets 403 owner_only. Anyone else gets the same 404 as for a scan that does not exist.
 */
export async function loadVisibleScan(
  deps: Deps,
  scanId: string,
  who: Principal,
  reviewers: { read: HealthDataRead } | 'decide' | 'none' = 'none',
): Promise<ScanDocument> {
  const scan = await readScan(deps, scanId);
  if (!scan) throw new ApiProblem('scan_not_found');
  if (isOwner(scan, who)) return scan;
  if (!reviewerMaySee(scan, who, reviewerAccessClock(deps))) throw new ApiProblem('scan_not_found');
  if (reviewers === 'none') throw new ApiProblem('owner_only', 'only the owner of the scan can do this');
  if (reviewers !== 'decide') await auditHealthDataRead(deps, scan, who, reviewers.read);
  return scan;
}

export const statusPath = (scanId: string) => `/api/scans/${scanId}`;

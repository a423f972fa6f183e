import { describe, expect, it } from 'vitest';
import type { Principal } from '../framework/types';
import { maySee, reviewerMaySee } from './access';

const reviewer: Principal = { uid: 'staff_reviewer', roles: ['reviewer'], isReviewer: true, staff: true };
const other: Principal = { uid: 'staff_other_reviewer', roles: ['reviewer'], isReviewer: true, staff: true };
const owner: Principal = { uid: 'member_owner', roles: ['member'], isReviewer: false, staff: false };
const decidedAt = '2026-12-01T10:00:00.000Z';
const decided = { status: 'completed' as const, ownerId: owner.uid, reviewedBy: reviewer.uid, reviewedAt: decidedAt };
const clockAt = (iso: string, afterDecisionSeconds = 24 * 3600) => ({ now: new Date(iso), afterDecisionSeconds });

describe('reviewerMaySee: by need, and for a decider only for a while', () => {
  it('lets every reviewer but the owner see a scan waiting for review', () => {
    const waiting = { status: 'awaiting_review' as const, ownerId: owner.uid };
    expect(reviewerMaySee(waiting, reviewer, clockAt(decidedAt))).toBe(true);
    expect(reviewerMaySee(waiting, { ...owner, isReviewer: true }, clockAt(decidedAt))).toBe(false);
    expect(reviewerMaySee(waiting, { ...reviewer, isReviewer: false }, clockAt(decidedAt))).toBe(false);
  });

  it("ends the decider's access the configured time after the decision; no other reviewer ever had it", () => {
    expect(reviewerMaySee(decided, reviewer, clockAt('2026-12-02T09:59:59.999Z'))).toBe(true);
    expect(reviewerMaySee(decided, reviewer, clockAt('2026-12-02T10:00:00.000Z'))).toBe(false);
    expect(reviewerMaySee(decided, reviewer, clockAt('2026-12-01T10:59:59.000Z', 3600))).toBe(true);
    expect(reviewerMaySee(decided, reviewer, clockAt('2026-12-01T11:00:00.000Z', 3600))).toBe(false);
    expect(reviewerMaySee(decided, other, clockAt(decidedAt))).toBe(false);
    // The owner always sees their own scan; a staff account with the owner's uid is not the owner.
    expect(maySee(decided, owner, clockAt('2030-01-01T00:00:00.000Z'))).toBe(true);
    expect(maySee(decided, { ...owner, staff: true }, clockAt('2030-01-01T00:00:00.000Z'))).toBe(false);
  });

  it('falls back to when the workflow left review for decisions recorded without a time, and ends access without either', () => {
    const old = { status: 'completed' as const, ownerId: owner.uid, reviewedBy: reviewer.uid };
    const review = {
      reasons: ['implausible_change' as const],
      enteredReviewAt: '2026-12-01T09:00:00.000Z',
      reviewDeadline: '2026-12-03T09:00:00.000Z',
      onTimeout: 'reject' as const,
      decidedAt,
    };
    expect(reviewerMaySee({ ...old, review }, reviewer, clockAt('2026-12-01T12:00:00.000Z'))).toBe(true);
    expect(reviewerMaySee({ ...old, review }, reviewer, clockAt('2026-12-02T12:00:00.000Z'))).toBe(false);
    expect(reviewerMaySee(old, reviewer, clockAt(decidedAt))).toBe(false);
  });
});

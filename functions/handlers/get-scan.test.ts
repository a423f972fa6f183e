import { describe, expect, it, vi } from 'vitest';
import type { ScanDocument } from '../../common/contracts/scan-document';
import type { Deps } from '../deps';
import { getScan, REVIEW_RETRY_AFTER_SECONDS, RUNNING_RETRY_AFTER_SECONDS, retryAfterSeconds } from './get-scan';

const NOW = new Date('2026-03-02T10:00:00.000Z');

function scan(overrides: Partial<ScanDocument>): ScanDocument {
  return {
    scanId: 'scan_status_1',
    ownerId: 'member_1',
    status: 'running',
    measurements: { weightKg: 80, heightCm: 180, age: 35, sex: 'male', capturedAt: NOW.toISOString() } as ScanDocument['measurements'],
    photos: { front: 'm/s/front', back: 'm/s/back', left: 'm/s/left', right: 'm/s/right' },
    credit: { state: 'reserved' },
    workflowId: 'daily-scan-scan_status_1',
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    ...overrides,
  };
}

/** Deps whose Firestore holds one scan document and whose Temporal client must never be asked for. */
function depsWith(doc: ScanDocument) {
  const temporal = vi.fn(async () => {
    throw new Error('the status endpoint must not touch Temporal');
  });
  const scans = { doc: () => ({ get: async () => ({ exists: true, data: () => doc }) }) };
  const db = { collection: () => ({ ...scans, withConverter: () => scans }) };
  return { deps: { db, temporal, now: () => NOW } as unknown as Deps, temporal };
}

async function status(doc: ScanDocument) {
  const { deps, temporal } = depsWith(doc);
  const res = await getScan.handler({
    params: { scanId: doc.scanId },
    principal: { uid: doc.ownerId, roles: [], isReviewer: false, staff: false },
    deps,
    urlFor: (p: string) => `http://api.test${p}`,
  } as unknown as Parameters<typeof getScan.handler>[0]);
  return { res, temporal };
}

describe('GET /api/scans/{scanId} answers from the scan document', () => {
  it('a running scan: status and progress from Firestore, no Temporal client, no workflow query', async () => {
    const { res, temporal } = await status(scan({ status: 'running', progress: { status: 'running', step: 'estimate', percent: 35 } }));
    expect(temporal).not.toHaveBeenCalled();
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'running', progress: { status: 'running', step: 'estimate', percent: 35 } });
    expect(res.headers?.['Retry-After']).toBe(String(RUNNING_RETRY_AFTER_SECONDS));
  });

  it('a scan in review says so, with its deadline, and a Retry-After no later than the deadline', async () => {
    const review = {
      reasons: ['implausible_change' as const],
      enteredReviewAt: NOW.toISOString(),
      reviewDeadline: new Date(NOW.getTime() + 48 * 3600_000).toISOString(),
      onTimeout: 'reject' as const,
    };
    const { res, temporal } = await status(
      scan({ status: 'awaiting_review', progress: { status: 'awaiting_review', step: 'review', percent: 75 }, review }),
    );
    expect(temporal).not.toHaveBeenCalled();
    expect(res.body).toMatchObject({
      status: 'awaiting_review',
      review: { enteredReviewAt: review.enteredReviewAt, reviewDeadline: review.reviewDeadline },
    });
    // The member-facing body carries no review reasons.
    expect(JSON.stringify(res.body)).not.toContain('implausible');
    expect(res.headers?.['Retry-After']).toBe(String(REVIEW_RETRY_AFTER_SECONDS));
  });
});

describe('retryAfterSeconds', () => {
  it('is short while running, longer in review, and never past the review deadline', () => {
    expect(retryAfterSeconds('running', undefined, NOW)).toBe(RUNNING_RETRY_AFTER_SECONDS);
    expect(retryAfterSeconds('awaiting_review', new Date(NOW.getTime() + 3600_000).toISOString(), NOW)).toBe(REVIEW_RETRY_AFTER_SECONDS);
    expect(retryAfterSeconds('awaiting_review', new Date(NOW.getTime() + 40_000).toISOString(), NOW)).toBe(40);
    expect(retryAfterSeconds('awaiting_review', new Date(NOW.getTime() - 5_000).toISOString(), NOW)).toBe(RUNNING_RETRY_AFTER_SECONDS);
  });
});

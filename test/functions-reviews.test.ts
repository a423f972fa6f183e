import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Collections } from '../common/contracts/scan-document';
import { createScanWithCredit } from '../common/scans/repository';
import { idTokenFor } from './helpers/auth';
import { api } from './helpers/http';
import { allReviewPages, flaggedScanWaitingForReview } from './helpers/review';
import { measurements, newScanId, newUserId, scanWorkerSuite, seedMember } from './helpers/scan';
import { testConfig, uniqueTaskQueue } from './helpers/stack';

// GET /api/reviews against scans really waiting at the review gate.
describe('functions: the review queue', () => {
  const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueTaskQueue('fn-reviews') });
  const suite = scanWorkerSuite('fn-reviews', () => config, { host: {} });
  const { firebase } = suite;

  it('lists waiting scans oldest first with what a reviewer needs; photo reads are audited; decided scans leave', async () => {
    const first = await flaggedScanWaitingForReview(suite.host, firebase, config);
    const second = await flaggedScanWaitingForReview(suite.host, firebase, config);
    const reviewerUid = `reviewer_${randomUUID().slice(0, 8)}`;
    const reviewerToken = await idTokenFor(firebase.auth, config, reviewerUid, { reviewer: true });

    // Pages of one: the cursor carries on, and the older scan comes first.
    const items = await allReviewPages(suite.host, reviewerToken, 1);
    const ids = items.map((i) => i.scanId);
    expect(ids).toContain(first.scanId);
    expect(ids.indexOf(first.scanId)).toBeLessThan(ids.indexOf(second.scanId));
    expect(new Set(ids).size).toBe(ids.length);

    const item = items.find((i) => i.scanId === first.scanId)!;
    expect(item.reasons).toEqual(['implausible_change']);
    expect(item.measurements).toMatchObject({ weightKg: 82, heightCm: 180, age: 35, sex: 'male' });
    expect(item.estimate).toMatchObject({ method: 'anthropometric-prior', weightKg: 82 });
    expect(item.estimate.confidence).toBeGreaterThan(0);
    // The reasoning behind the flag: 8 % yesterday → about 22 % today at the same weight, far outside the band.
    expect(item.deltas.implausibleChange).toBe(true);
    expect(item.deltas.plausibility).toMatchObject({
      reason: 'body_fat_change_beyond_band',
      reference: 'previous',
      fromScanId: 'previous',
    });
    expect(item.deltas.plausibility.observed.bodyFatPercent).toBeGreaterThan(item.deltas.plausibility.expectedBand.bodyFatPercent);
    expect(item.history).toEqual([expect.objectContaining({ bodyFatPercent: 8, weightKg: 82 })]);
    // Time waiting and time left before the timeout decision (the configured 48 h by default).
    expect(Date.parse(item.reviewDeadline) - Date.parse(item.enteredReviewAt)).toBe(config.REVIEW_TIMEOUT_SECONDS * 1000);
    expect(item.onTimeout).toBe(config.REVIEW_TIMEOUT_DECISION);
    expect(item.waitingSeconds).toBeGreaterThanOrEqual(0);
    expect(item.secondsLeft).toBeGreaterThan(config.REVIEW_TIMEOUT_SECONDS - 600);
    expect(item.secondsLeft).toBeLessThanOrEqual(config.REVIEW_TIMEOUT_SECONDS);
    expect(item.reviewUrl).toMatch(new RegExp(`/api/scans/${first.scanId}/review$`));

    // Four read-only photo URLs that work now, each minting audited with who and why.
    expect(item.photos.map((p: { angle: string }) => p.angle)).toEqual(['front', 'back', 'left', 'right']);
    for (const p of item.photos) {
      const res = await fetch(p.url);
      expect(res.status).toBe(200);
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(1000);
      expect((await fetch(p.url, { method: 'PUT', body: 'x', headers: { 'x-ms-blob-type': 'BlockBlob' } })).status).toBe(403);
    }
    const audits = (await firebase.db.collection(Collections.auditLogs).where('scanId', '==', first.scanId).get()).docs
      .map((d) => d.data())
      .filter((a) => a.actor === `reviewer:${reviewerUid}`);
    expect(
      audits
        .filter((a) => a.outcome === 'photo_read_url')
        .map((a) => a.subject.angle)
        .sort(),
    ).toEqual(['back', 'front', 'left', 'right']);
    expect(audits.filter((a) => a.outcome === 'review_queue_entry')).toHaveLength(1);
    expect(audits.every((a) => a.action === 'health_data_read' && a.subject.why === 'review' && a.userId === first.uid)).toBe(true);

    // Decided: gone from the queue.
    const approved = await api(suite.host, `/api/scans/${first.scanId}/review`, {
      method: 'POST',
      token: reviewerToken,
      json: { decision: 'approve' },
    });
    expect(approved.status, approved.text).toBe(200);
    for (const end = Date.now() + 30_000; ; await new Promise((r) => setTimeout(r, 200))) {
      const ids2 = (await allReviewPages(suite.host, reviewerToken)).map((i) => i.scanId);
      if (!ids2.includes(first.scanId)) {
        expect(ids2).toContain(second.scanId);
        break;
      }
      if (Date.now() > end) throw new Error('the approved scan stayed in the queue');
    }
  });

  it('refuses members and anonymous callers, and bad paging, with problem+json', async () => {
    const memberToken = await idTokenFor(firebase.auth, config, `member_${randomUUID().slice(0, 8)}`);
    const asMember = await api(suite.host, '/api/reviews', { token: memberToken });
    expect(asMember.status).toBe(403);
    expect(asMember.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(asMember.json.code).toBe('reviewer_role_required');
    expect((await api(suite.host, '/api/reviews')).json.code).toBe('unauthenticated');
    const reviewerToken = await idTokenFor(firebase.auth, config, `reviewer_${randomUUID().slice(0, 8)}`, { reviewer: true });
    const badCursor = await api(suite.host, '/api/reviews?cursor=bm90LWEtY3Vyc29y', { token: reviewerToken });
    expect(badCursor.status).toBe(400);
    expect(badCursor.json.code).toBe('validation_failed');
    const badLimit = await api(suite.host, '/api/reviews?limit=0', { token: reviewerToken });
    expect(badLimit.status).toBe(400);
    expect(badLimit.json.code).toBe('validation_failed');
    expect(badLimit.text).not.toContain('"0"');
  });

  // Both lists page by key, not by Firestore cursors (the local Firestore ignores startAfter): pages of one
  // walk a member's scans newest first, each once.
  it('GET /api/scans follows nextCursor through every scan once', async () => {
    const uid = newUserId();
    await seedMember(firebase.db, uid, { credits: 3 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const scanId = newScanId();
      await createScanWithCredit(firebase.db, { scanId, userId: uid, measurements: measurements(), now: new Date(Date.now() + i) });
      ids.push(scanId);
    }
    const token = await idTokenFor(firebase.auth, config, uid);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await api(suite.host, `/api/scans?limit=1${cursor ? `&cursor=${cursor}` : ''}`, { token });
      expect(res.status, res.text).toBe(200);
      seen.push(...res.json.items.map((i: { scanId: string }) => i.scanId));
      cursor = res.json.nextCursor;
      expect(seen.length).toBeLessThanOrEqual(3);
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Collections } from '../common/contracts/scan-document';
import { DAILY_SCAN_WORKFLOW } from '../common/contracts/workflow-types';
import { createScanWithCredit } from '../common/scans/repository';
import { createDeps, type Deps } from '../functions/deps';
import { type LocalHost, startLocalHost } from '../functions/local-host';
import { idTokenFor, staffIdTokenFor } from './helpers/auth';
import { api } from './helpers/http';
import { allReviewPages, flaggedScanWaitingForReview } from './helpers/review';
import { measurements, newScanId, newUserId, scanWorkerSuite, seedMember } from './helpers/scan';
import { testConfig, uniqueTaskQueue } from './helpers/stack';

// GET /api/reviews, a scan's review packet and its photos against scans really waiting at the review gate.
describe('functions: the review queue', () => {
  const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueTaskQueue('fn-reviews') });
  const suite = scanWorkerSuite('fn-reviews', () => config, { host: {} });
  const { firebase } = suite;

  /** A second host on the same stack whose clock the test sets: a decider's access is checked against it. */
  let clock = new Date();
  let clockedDeps: Deps;
  let clockedHost: LocalHost;
  const accessHours = 2;
  const clockedConfig = testConfig({
    TEMPORAL_TASK_QUEUE: config.TEMPORAL_TASK_QUEUE,
    REVIEW_ACCESS_AFTER_DECISION_SECONDS: String(accessHours * 3600),
  });
  beforeAll(async () => {
    clockedDeps = createDeps(clockedConfig, { firebaseAppName: `fn-reviews-clock-${randomUUID()}`, now: () => clock });
    clockedHost = await startLocalHost({ config: clockedConfig, port: 0, deps: clockedDeps, timers: false, log: () => undefined });
  });
  afterAll(async () => {
    await clockedHost?.close();
    await clockedDeps?.close();
  });

  const auditsBy = async (scanId: string, reviewerUid: string) =>
    (await firebase.db.collection(Collections.auditLogs).where('scanId', '==', scanId).get()).docs
      .map((d) => d.data())
      .filter((a) => a.actor === `reviewer:${reviewerUid}`);

  it('lists waiting scans oldest first with ids, reasons and times only; reading the queue is not a read of health data', async () => {
    const first = await flaggedScanWaitingForReview(suite.host, firebase, config);
    const second = await flaggedScanWaitingForReview(suite.host, firebase, config);
    const reviewerUid = `reviewer_${randomUUID().slice(0, 8)}`;
    const reviewerToken = await staffIdTokenFor(firebase.auth, config, reviewerUid, { reviewer: true });

    // Pages of one: the cursor carries on, and the older scan comes first.
    const items = await allReviewPages(suite.host, reviewerToken, 1);
    const ids = items.map((i) => i.scanId);
    expect(ids).toContain(first.scanId);
    expect(ids.indexOf(first.scanId)).toBeLessThan(ids.indexOf(second.scanId));
    expect(new Set(ids).size).toBe(ids.length);

    // No health data: every item has exactly these keys, and none of them holds a number of the member.
    const allowed = ['enteredReviewAt', 'onTimeout', 'packetUrl', 'reasons', 'reviewDeadline', 'scanId', 'secondsLeft', 'waitingSeconds'];
    for (const i of items) expect(Object.keys(i).sort()).toEqual(allowed);
    const item = items.find((i) => i.scanId === first.scanId)!;
    expect(item.reasons).toEqual(['implausible_change']);
    expect(Date.parse(item.reviewDeadline) - Date.parse(item.enteredReviewAt)).toBe(config.REVIEW_TIMEOUT_SECONDS * 1000);
    expect(item.onTimeout).toBe(config.REVIEW_TIMEOUT_DECISION);
    expect(item.waitingSeconds).toBeGreaterThanOrEqual(0);
    expect(item.secondsLeft).toBeGreaterThan(config.REVIEW_TIMEOUT_SECONDS - 600);
    expect(item.secondsLeft).toBeLessThanOrEqual(config.REVIEW_TIMEOUT_SECONDS);
    expect(item.packetUrl).toBe(`${suite.host.url}/api/reviews/${first.scanId}`);
    expect(await auditsBy(first.scanId, reviewerUid)).toEqual([]);
  });

  it('opens one packet with one audit record; serves its photos itself, never cached, each read audited', async () => {
    const flagged = await flaggedScanWaitingForReview(suite.host, firebase, config);
    const reviewerUid = `reviewer_${randomUUID().slice(0, 8)}`;
    const reviewerToken = await staffIdTokenFor(firebase.auth, config, reviewerUid, { reviewer: true });

    const opened = await api(suite.host, `/api/reviews/${flagged.scanId}`, { token: reviewerToken });
    expect(opened.status, opened.text).toBe(200);
    const packet = opened.json;
    expect(packet.reasons).toEqual(['implausible_change']);
    expect(packet.measurements).toMatchObject({ weightKg: 82, heightCm: 180, age: 35, sex: 'male' });
    expect(packet.estimate).toMatchObject({ method: 'anthropometric-prior', weightKg: 82 });
    expect(packet.estimate.confidence).toBeGreaterThan(0);
    // The reasoning behind the flag: 8 % yesterday → about 22 % today at the same weight, far outside the band.
    expect(packet.deltas.implausibleChange).toBe(true);
    expect(packet.deltas.plausibility).toMatchObject({
      reason: 'body_fat_change_beyond_band',
      reference: 'previous',
      fromScanId: 'previous',
    });
    expect(packet.history).toEqual([expect.objectContaining({ bodyFatPercent: 8, weightKg: 82 })]);
    // In review, only the estimate agent has produced output: its provenance, this worker's build and the run's type.
    expect(packet.provenance).toEqual({
      workflowType: DAILY_SCAN_WORKFLOW,
      buildId: config.WORKER_BUILD_ID,
      agents: { estimate: { source: 'deterministic' } },
    });
    expect(packet.reviewUrl).toBe(`${suite.host.url}/api/scans/${flagged.scanId}/review`);
    // Opening the packet is exactly one audit record, naming who, what and why, and nothing of the member's numbers.
    let audits = await auditsBy(flagged.scanId, reviewerUid);
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      action: 'health_data_read',
      outcome: 'review_packet',
      userId: flagged.uid,
      subject: { why: 'review' },
    });
    expect(JSON.stringify(audits[0])).not.toMatch(/weightKg|bodyFat|http/);

    // Four photos, each an address on this API (no storage URL, no SAS), served with the reviewer's token only.
    expect(packet.photos.map((p: { angle: string }) => p.angle)).toEqual(['front', 'back', 'left', 'right']);
    for (const p of packet.photos) {
      expect(p.url).toBe(`${suite.host.url}/api/reviews/${flagged.scanId}/photos/${p.angle}`);
      expect(p.url).not.toMatch(/sig=|blob\.core|:10000/);
      const res = await fetch(p.url, { headers: { authorization: `Bearer ${reviewerToken}` } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      expect(res.headers.get('cache-control')).toMatch(/\bno-store\b/);
      expect(res.headers.get('cache-control')).not.toMatch(/public|max-age=[1-9]/);
      const bytes = Buffer.from(await res.arrayBuffer());
      expect(bytes.byteLength).toBeGreaterThan(1000);
      expect(bytes.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]))).toBe(true);
      expect((await fetch(p.url)).status).toBe(401);
      expect((await api(suite.host, new URL(p.url).pathname, { token: flagged.token })).json.code).toBe('staff_sign_in_required'); // the member is not staff
    }
    audits = await auditsBy(flagged.scanId, reviewerUid);
    expect(
      audits
        .filter((a) => a.outcome === 'review_photo')
        .map((a) => a.subject.angle)
        .sort(),
    ).toEqual(['back', 'front', 'left', 'right']);
    expect(audits.filter((a) => a.outcome === 'review_packet')).toHaveLength(1);

    // Not a photo of this scan, and not a scan at all: refused, nothing read.
    expect((await api(suite.host, `/api/reviews/${flagged.scanId}/photos/top`, { token: reviewerToken })).status).toBe(400);
    expect((await api(suite.host, `/api/reviews/${newScanId()}/photos/front`, { token: reviewerToken })).json.code).toBe('scan_not_found');
  });

  it('a decider reads the decided scan for the configured time, then never again; other reviewers never; own scan never', async () => {
    const flagged = await flaggedScanWaitingForReview(suite.host, firebase, config);
    const decider = `reviewer_${randomUUID().slice(0, 8)}`;
    const deciderToken = await staffIdTokenFor(firebase.auth, config, decider, { reviewer: true });
    const otherToken = await staffIdTokenFor(firebase.auth, config, `reviewer_${randomUUID().slice(0, 8)}`, { reviewer: true });
    // A member who is also a reviewer (a staff account of the same uid): their own scan is never a review packet.
    const ownerAsReviewer = await staffIdTokenFor(firebase.auth, config, flagged.uid, { reviewer: true });
    expect((await api(clockedHost, `/api/reviews/${flagged.scanId}`, { token: ownerAsReviewer })).json.code).toBe('scan_not_found');

    clock = new Date('2026-12-01T10:00:00.000Z');
    const decided = await api(clockedHost, `/api/scans/${flagged.scanId}/review`, {
      method: 'POST',
      token: deciderToken,
      json: { decision: 'approve' },
    });
    expect(decided.status, decided.text).toBe(200);
    for (const end = Date.now() + 30_000; ; await new Promise((r) => setTimeout(r, 200))) {
      const res = await api(suite.host, `/api/scans/${flagged.scanId}`, { token: flagged.token });
      if (res.status === 200) break;
      if (Date.now() > end) throw new Error(`the approved scan did not complete: ${res.text}`);
    }
    const reads = (token: string) =>
      Promise.all(
        [`/api/reviews/${flagged.scanId}`, `/api/reviews/${flagged.scanId}/photos/front`, `/api/scans/${flagged.scanId}`].map(
          async (path) => (await api(clockedHost, path, { token })).status,
        ),
      );

    // The decision no longer needs anyone else: another reviewer gets the 404 of a scan that does not exist.
    expect(await reads(otherToken)).toEqual([404, 404, 404]);
    // The decider, until the configured time after the decision has passed (the completed scan reads 200).
    clock = new Date(Date.parse('2026-12-01T10:00:00.000Z') + accessHours * 3600_000 - 1000);
    expect(await reads(deciderToken)).toEqual([200, 200, 200]);
    // Once decided and completed, the packet carries the results' full provenance: every agent that ran.
    const completed = await api(suite.host, `/api/scans/${flagged.scanId}`, { token: flagged.token });
    const decidedPacket = await api(clockedHost, `/api/reviews/${flagged.scanId}`, { token: deciderToken });
    expect(decidedPacket.json.provenance).toEqual(completed.json.results.provenance);
    expect(Object.keys(decidedPacket.json.provenance.agents).sort()).toEqual(
      ['deltas', 'estimate', 'hydration', 'insights', 'nutrition', 'quality', 'workout'].sort(),
    );
    clock = new Date(Date.parse('2026-12-01T10:00:00.000Z') + accessHours * 3600_000);
    expect(await reads(deciderToken)).toEqual([404, 404, 404]);
    const gone = await api(clockedHost, `/api/reviews/${flagged.scanId}`, { token: deciderToken });
    expect(gone.json.code).toBe('scan_not_found');
    // The owner still reads their results.
    expect((await api(clockedHost, `/api/scans/${flagged.scanId}`, { token: flagged.token })).status).toBe(200);
  });

  it('refuses members and anonymous callers, and bad paging, with problem+json', async () => {
    const memberToken = await idTokenFor(firebase.auth, config, `member_${randomUUID().slice(0, 8)}`);
    const asMember = await api(suite.host, '/api/reviews', { token: memberToken });
    expect(asMember.status).toBe(403);
    expect(asMember.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(asMember.json.code).toBe('staff_sign_in_required'); // a member's account is not staff, whatever its claims
    const staffToken = await staffIdTokenFor(firebase.auth, config, `staff_${randomUUID().slice(0, 8)}`, {});
    const asStaff = await api(suite.host, '/api/reviews', { token: staffToken });
    expect([asStaff.status, asStaff.json.code]).toEqual([403, 'reviewer_role_required']);
    expect((await api(suite.host, '/api/reviews')).json.code).toBe('unauthenticated');
    const reviewerToken = await staffIdTokenFor(firebase.auth, config, `reviewer_${randomUUID().slice(0, 8)}`, { reviewer: true });
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

import { randomUUID } from 'node:crypto';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/activity';
import { describe, expect, it } from 'vitest';
import { workflowIdForScan, type ReviewDecision } from '../common/contracts/scan';
import { Collections, type ScanDocument } from '../common/contracts/scan-document';
import { progressQuery, submitReviewUpdate } from '../common/contracts/workflow-messages';
import { scanRef, userRef } from '../common/scans/repository';
import { startDailyScan } from '../common/scans/start-scan';
import { makeSamplePhoto } from '../scripts/lib/sample-photos';
import { activityTimeline, maybeRecordHistory } from './helpers/history';
import { measurements, newUserId, pushesFor, scanWorkerSuite, seedMember, seedUploadedScan, startTestWorker } from './helpers/scan';
import { stackEnv, testConfig, uniqueTaskQueue } from './helpers/stack';

const taskQueue = uniqueTaskQueue('daily-scan');
const config = testConfig({ TEMPORAL_TASK_QUEUE: taskQueue, REVIEW_TIMEOUT_SECONDS: '600' });
const suite = scanWorkerSuite('daily-scan', () => config);
const { firebase, blob } = suite;

const scanDoc = async (scanId: string) => (await scanRef(firebase.db, scanId).get()).data() as ScanDocument;
const credits = async (uid: string) => Number((await userRef(firebase.db, uid).get()).data()?.scanCredits);
const historyCount = async (uid: string) =>
  (await userRef(firebase.db, uid).collection(Collections.scanHistory).count().get()).data().count;
const auditActions = async (scanId: string) =>
  (await firebase.db.collection(Collections.auditLogs).where('scanId', '==', scanId).get()).docs
    .map((d) => d.data().action as string)
    .sort();
const pushes = (scanId: string) => pushesFor(stackEnv().PUSH_RECEIVER_LIST_URL!, scanId);

/** The document follows the workflow's in-memory progress: its status is written by the next activity. */
async function waitForDocStatus(scanId: string, status: string, timeoutMs = 30_000) {
  for (const deadline = Date.now() + timeoutMs; ; await new Promise((r) => setTimeout(r, 150))) {
    const doc = await scanDoc(scanId);
    if (doc?.status === status || Date.now() > deadline) return doc;
  }
}

async function waitForStatus(handle: WorkflowHandle, status: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = await handle.query(progressQuery).catch(() => undefined);
    if (p?.status === status) return p;
    if (Date.now() > deadline) throw new Error(`scan did not reach ${status}; last progress ${JSON.stringify(p)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** A member whose previous scan yesterday was far leaner than today's prior: an implausible change. */
async function seedFlaggedScan(cfg = config) {
  const userId = newUserId();
  await seedMember(firebase.db, userId, { credits: 1 });
  const yesterday = new Date(Date.now() - 86_400_000).toISOString();
  await userRef(firebase.db, userId).collection(Collections.scanHistory).doc('previous').set({
    scanId: 'previous',
    takenAt: yesterday,
    bodyFatPercent: 8,
    weightKg: 82,
    leanMassKg: 75.4,
  });
  const scan = await seedUploadedScan(firebase, blob, cfg, { userId });
  const handle = suite.client.workflow.getHandle(workflowIdForScan(scan.scanId));
  await startDailyScan(suite.client, cfg, scan, taskQueue);
  return { scan, userId, handle };
}

/** The validator's reason when an update is refused. */
async function updateRejection(handle: WorkflowHandle, decision: ReviewDecision): Promise<string | undefined> {
  try {
    await handle.executeUpdate(submitReviewUpdate, { args: [decision] });
    return undefined;
  } catch (err) {
    return (err as { cause?: { message?: string } }).cause?.message;
  }
}

const reviewer = (decision: 'approve' | 'reject'): ReviewDecision => ({
  decision,
  notes: 'checked the photos',
  reviewerId: `reviewer_${randomUUID().slice(0, 8)}`,
  reviewerRoles: ['reviewer'],
});

describe('dailyScanWorkflow on the local stack', () => {
  it('completes a scan with four good photos: results, one history entry, one push, audit trail', async () => {
    const scan = await seedUploadedScan(firebase, blob, config);
    await startDailyScan(suite.client, config, scan, taskQueue);
    const handle = suite.client.workflow.getHandle(workflowIdForScan(scan.scanId));
    expect(await handle.result()).toEqual({ scanId: scan.scanId, status: 'completed' });

    const doc = await scanDoc(scan.scanId);
    expect(doc.status).toBe('completed');
    expect(doc.credit.state).toBe('consumed');
    const results = doc.results as Record<string, { method?: string }> & { estimate: { bodyFatPercent: number; method: string } };
    expect(Object.keys(results).sort()).toEqual([
      'deltas',
      'estimate',
      'hydration',
      'insights',
      'nutrition',
      'quality',
      'review',
      'workout',
    ]);
    expect(results.estimate.method).toBe('anthropometric-prior');
    expect(results.estimate.bodyFatPercent).toBeGreaterThan(10);
    expect(await historyCount(scan.ownerId)).toBe(1);
    expect(await credits(scan.ownerId)).toBe(0);

    const received = await pushes(scan.scanId);
    expect(received).toHaveLength(1);
    // The push says only that results are ready and which scan: no numbers, no URLs.
    const { body } = received[0] as unknown as { body: Record<string, unknown> };
    expect(Object.keys(body).sort()).toEqual(['body', 'collapseKey', 'data', 'title', 'userId']);
    expect(JSON.stringify(body).replaceAll(scan.scanId, '').replaceAll(scan.ownerId, '')).not.toMatch(/\d|https?:|weight|fat/i);
    expect(received[0]!.body.data).toEqual({ type: 'scan_completed', scanId: scan.scanId });

    expect(await auditActions(scan.scanId)).toEqual(
      ['estimate_completed', 'member_notified', 'quality_checked', 'results_persisted', 'scan_completed', 'scan_started'].sort(),
    );

    // Each agent is scheduled as soon as its inputs exist, not one after another.
    const { at } = activityTimeline(await handle.fetchHistory());
    expect(at('scheduled', 'planHydration')).toBeLessThan(at('completed', 'checkPhotoQuality'));
    expect(at('scheduled', 'estimateBodyComposition')).toBeGreaterThan(at('completed', 'checkPhotoQuality'));
    expect(at('scheduled', 'planNutrition')).toBeLessThan(at('completed', 'computeDeltas'));
    expect(at('scheduled', 'planWorkout')).toBeLessThan(at('completed', 'computeDeltas'));
    expect(at('scheduled', 'generateInsights')).toBeGreaterThan(at('completed', 'computeDeltas'));

    const desc = await handle.describe();
    expect(desc.searchAttributes).toMatchObject({ ScanStatus: ['completed'], ScanProgress: [100] });
    await maybeRecordHistory(handle, 'completed');
  });

  it('rejects bad photos without retrying, names them, refunds the credit and deletes the photos', async () => {
    const scan = await seedUploadedScan(firebase, blob, config, {
      photos: {
        front: await makeSamplePhoto('front', { variant: 'blurry' }),
        left: await makeSamplePhoto('left', { variant: 'landscape' }),
      },
    });
    await startDailyScan(suite.client, config, scan, taskQueue);
    const handle = suite.client.workflow.getHandle(workflowIdForScan(scan.scanId));
    const result = await handle.result();
    expect(result.status).toBe('rejected');
    const angles = result.error?.details?.map((d: { angle?: string }) => d.angle).sort();
    expect(angles).toEqual(['front', 'left']);
    expect(result.error?.details?.find((d: { angle?: string }) => d.angle === 'front')?.reason).toMatch(/front photo/i);

    const doc = await scanDoc(scan.scanId);
    expect(doc.status).toBe('rejected');
    expect(doc.error?.code).toBe('photos_rejected');
    expect(doc.credit.state).toBe('refunded');
    expect(doc.photosDeleted).toBe(true);
    expect(await credits(scan.ownerId)).toBe(1);
    for (const container of [config.SCAN_UPLOADS_CONTAINER, config.SEALED_PHOTOS_CONTAINER])
      expect(await blob.getContainerClient(container).getBlockBlobClient(scan.photos.front!).exists()).toBe(false);
    const { timeline } = activityTimeline(await handle.fetchHistory());
    expect(timeline.filter((t) => t.activity === 'checkPhotoQuality' && t.event === 'started').map((t) => t.attempt)).toEqual([1]);
    expect((await pushes(scan.scanId)).map((p) => p.body.data.type)).toEqual(['scan_rejected']);
    await maybeRecordHistory(handle, 'rejected-photos');
  });

  it('retries a transient activity failure and still completes', async () => {
    const queue = uniqueTaskQueue('transient');
    let failures = 0;
    const faulty = await startTestWorker(config, firebase, blob, {
      taskQueue: queue,
      wrap: (a) => ({
        ...a,
        async computeDeltas(input) {
          if (failures++ === 0) throw ApplicationFailure.retryable('Firestore briefly unavailable', 'Unavailable');
          return a.computeDeltas(input);
        },
      }),
    });
    try {
      const scan = await seedUploadedScan(firebase, blob, config);
      await startDailyScan(suite.client, config, scan, queue);
      const handle = suite.client.workflow.getHandle(workflowIdForScan(scan.scanId));
      expect((await handle.result()).status).toBe('completed');
      const { timeline } = activityTimeline(await handle.fetchHistory());
      expect(timeline.filter((t) => t.activity === 'computeDeltas' && t.event === 'started').map((t) => t.attempt)).toEqual([2]);
      expect(failures).toBe(2);
      expect(await historyCount(scan.ownerId)).toBe(1);
    } finally {
      await faulty.stop();
    }
  });

  describe('review gate', () => {
    it('holds a flagged scan until a reviewer approves; the validator refuses non-reviewers and the owner', async () => {
      const { scan, handle } = await seedFlaggedScan();
      const p = await waitForStatus(handle, 'awaiting_review');
      expect(p.percent).toBeGreaterThanOrEqual(65);
      expect((await waitForDocStatus(scan.scanId, 'awaiting_review')).status).toBe('awaiting_review');
      expect(await updateRejection(handle, { ...reviewer('approve'), reviewerRoles: [] })).toBe('reviewer_role_required');
      expect(await updateRejection(handle, { ...reviewer('approve'), reviewerId: scan.ownerId })).toBe('self_review_not_allowed');
      await handle.executeUpdate(submitReviewUpdate, { args: [reviewer('approve')] });
      expect((await handle.result()).status).toBe('completed');
      const doc = await scanDoc(scan.scanId);
      expect(doc.results?.review).toMatchObject({ required: true, outcome: 'approved', reasons: ['implausible_change'] });
      // No longer waiting: a second decision is refused (the workflow has finished, so the update cannot even be delivered).
      await expect(handle.executeUpdate(submitReviewUpdate, { args: [reviewer('reject')] })).rejects.toThrow();
      await maybeRecordHistory(handle, 'review-approved');
    });

    it('a rejection publishes nothing, refunds the credit and tells the member', async () => {
      const { scan, handle, userId } = await seedFlaggedScan();
      await waitForStatus(handle, 'awaiting_review');
      await handle.executeUpdate(submitReviewUpdate, { args: [reviewer('reject')] });
      const result = await handle.result();
      expect(result).toMatchObject({ status: 'rejected', error: { code: 'review_rejected' } });
      const doc = await scanDoc(scan.scanId);
      expect(doc.results).toBeUndefined();
      expect(doc.status).toBe('rejected');
      expect(await credits(userId)).toBe(1);
      expect(await historyCount(userId)).toBe(1); // only the seeded previous scan
      expect((await pushes(scan.scanId)).map((p) => p.body.data.type)).toEqual(['scan_rejected']);
      await maybeRecordHistory(handle, 'review-rejected');
    });

    it('on timeout applies the configured decision and records it', async () => {
      const cfg = testConfig({ TEMPORAL_TASK_QUEUE: taskQueue, REVIEW_TIMEOUT_SECONDS: '2', REVIEW_TIMEOUT_DECISION: 'approve' });
      const { scan, handle } = await seedFlaggedScan(cfg);
      expect((await handle.result()).status).toBe('completed');
      expect((await scanDoc(scan.scanId)).results?.review).toMatchObject({
        required: true,
        outcome: 'timed_out',
        appliedDecision: 'approve',
      });

      const rejecting = testConfig({ TEMPORAL_TASK_QUEUE: taskQueue, REVIEW_TIMEOUT_SECONDS: '2', REVIEW_TIMEOUT_DECISION: 'reject' });
      const second = await seedFlaggedScan(rejecting);
      expect(await second.handle.result()).toMatchObject({ status: 'rejected', error: { code: 'review_rejected' } });
      expect(await credits(second.userId)).toBe(1);
    });
  });

  it('owner cancellation compensates exactly once', async () => {
    const { scan, handle, userId } = await seedFlaggedScan();
    await waitForStatus(handle, 'awaiting_review');
    await Promise.all([handle.cancel(), handle.cancel()]);
    await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
    const doc = await scanDoc(scan.scanId);
    expect(doc.status).toBe('cancelled');
    expect(doc.credit.state).toBe('refunded');
    expect(await credits(userId)).toBe(1); // refunded once: the seed gave 1, the scan reserved it
    expect((await pushes(scan.scanId)).map((p) => p.body.data.type)).toEqual(['scan_cancelled']);
    expect((await auditActions(scan.scanId)).filter((a) => a === 'compensated')).toHaveLength(1);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    await maybeRecordHistory(handle, 'cancelled');
  });

  it('starting the same scan twice (even at once) runs one workflow', async () => {
    const scan = await seedUploadedScan(firebase, blob, config);
    const starts = await Promise.all([1, 2, 3, 4, 5].map(() => startDailyScan(suite.client, config, scan, taskQueue)));
    expect(new Set(starts.map((s) => s.runId)).size).toBe(1);
    const handle = suite.client.workflow.getHandle(workflowIdForScan(scan.scanId));
    expect((await handle.result()).status).toBe('completed');
    // A start after it finished is refused, not run again.
    expect(await startDailyScan(suite.client, config, scan, taskQueue)).toMatchObject({ alreadyFinished: true });
    const runs = [];
    for await (const w of suite.client.workflow.list({ query: `WorkflowId = '${workflowIdForScan(scan.scanId)}'` })) runs.push(w.runId);
    expect(runs).toHaveLength(1);
    expect(await historyCount(scan.ownerId)).toBe(1);
  });
});

describe('consent', () => {
  it('a scan whose consent was revoked after upload is not analysed, and its credit comes back', async () => {
    const userId = newUserId();
    await seedMember(firebase.db, userId, { credits: 1 });
    const scan = await seedUploadedScan(firebase, blob, config, { userId, measurements: measurements() });
    await firebase.db.doc(`users/${userId}/consents/scan_analysis`).set({ status: 'revoked' }, { merge: true });
    await startDailyScan(suite.client, config, scan, taskQueue);
    const handle = suite.client.workflow.getHandle(workflowIdForScan(scan.scanId));
    await expect(handle.result()).rejects.toThrow(WorkflowFailedError);
    const doc = await scanDoc(scan.scanId);
    expect(doc).toMatchObject({ status: 'failed', error: { code: 'consent_required' }, credit: { state: 'refunded' } });
    expect(doc.results).toBeUndefined();
    expect(await credits(userId)).toBe(1);
  });
});

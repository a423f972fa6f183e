import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { decodeVersioningBehavior } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { FailureType, MEMBER_MESSAGES } from '../common/contracts/failures';
import { type ReviewDecision, type ReviewVerdict, workflowIdForScan } from '../common/contracts/scan';
import { Collections, type ScanDocument } from '../common/contracts/scan-document';
import { submitReviewUpdate } from '../common/contracts/workflow-messages';
import { DAILY_SCAN_WORKFLOW } from '../common/contracts/workflow-types';
import { scanRef, userRef } from '../common/scans/repository';
import { startDailyScan } from '../common/scans/start-scan';
import { countBillableActions } from '../common/temporal/billable-actions';
import { makeSamplePhoto } from '../scripts/lib/sample-photos';
import { createScanActivities } from '../worker/activities';
import { createNotifyActivities, PUSH_SEND_LEASE_MS, PushInFlight, pushMarkerRef } from '../worker/activities/notify';
import type { PushMessage, PushTransport } from '../worker/activities/push/transport';
import { recordScanStep } from '../worker/activities/scan-progress';
import { activityDepsFromConfig } from '../worker/create-worker';
import { SCANS_DECODED_AT_ONCE, scanPhotosInMemory, withScanPhotos } from '../worker/domain/photo-decoder';
import { TRANSIENT_FAULT_ATTEMPTS } from '../worker/workflows/daily-scan';
import { activityTimeline, maybeRecordHistory } from './helpers/history';
import { seedLeanerScanYesterday, signedDecision } from './helpers/review';
import { measurements, newUserId, pushesFor, scanWorkerSuite, seedMember, seedUploadedScan, startTestWorker } from './helpers/scan';
import { stackEnv, testConfig, uniqueTaskQueue } from './helpers/stack';

const taskQueue = uniqueTaskQueue('daily-scan');
// A build id of its own: the results must name the build the worker was started with.
const buildId = `daily-scan-test-${randomUUID().slice(0, 8)}`;
const config = testConfig({ TEMPORAL_TASK_QUEUE: taskQueue, REVIEW_TIMEOUT_SECONDS: '600', WORKER_BUILD_ID: buildId });
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

/** Watches the scan document the way the app does (the activities keep status and progress there). */
async function waitForStatus(handle: WorkflowHandle, status: string, timeoutMs = 30_000) {
  const scanId = handle.workflowId.replace(/^daily-scan-/, '');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const doc = await scanDoc(scanId);
    if (doc.status === status) return { ...doc.progress!, status: doc.status };
    if (Date.now() > deadline) throw new Error(`scan did not reach ${status}; last ${doc.status}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** A member whose previous scan yesterday was far leaner than today's prior: an implausible change. */
async function seedFlaggedScan(cfg = config) {
  const userId = newUserId();
  await seedMember(firebase.db, userId, { credits: 1 });
  await seedLeanerScanYesterday(firebase.db, userId, { leanMassKg: 75.4 });
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
    // The validator refuses with a typed ApplicationFailure; its type is the contract.
    return (err as { cause?: { type?: string } }).cause?.type;
  }
}

/** A decision as the functions app signs it, for the scan `handle` runs. */
const reviewer = (handle: WorkflowHandle, decision: ReviewVerdict, overrides: Partial<ReviewDecision> = {}): ReviewDecision =>
  signedDecision(config, handle.workflowId.replace(/^daily-scan-/, ''), decision, {
    reviewerId: `reviewer_${randomUUID().slice(0, 8)}`,
    ...overrides,
  });

describe('the daily scan workflow on the local stack', () => {
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
      'provenance',
      'quality',
      'review',
      'workout',
    ]);
    // Which build and workflow type made it; no model is configured here, so every agent is deterministic code.
    const deterministic = { source: 'deterministic' };
    expect(doc.results?.provenance).toEqual({
      workflowType: DAILY_SCAN_WORKFLOW,
      buildId,
      agents: {
        quality: deterministic,
        estimate: deterministic,
        deltas: deterministic,
        insights: deterministic,
        nutrition: deterministic,
        workout: deterministic,
        hydration: deterministic,
      },
    });
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
    // Upserted once, when the status changed to completed (progress 95 then; the document says 100).
    expect(desc.searchAttributes).toMatchObject({ ScanStatus: ['completed'], ScanProgress: [95] });
    expect(doc.progress).toEqual({ status: 'completed', step: 'done', percent: 100 });

    // Temporal Cloud's billable actions, counted from the recorded history: the start, beginScan, the
    // seven agents, persistResults, notifyMember and the status upsert: 12, the goal (the first version
    // recorded 26).
    expect(desc.type).toBe(DAILY_SCAN_WORKFLOW);
    // Pinned to the build that ran it (its deployment is its task queue's: WORKER_DEPLOYMENT_NAME unset).
    const versioning = desc.raw.workflowExecutionInfo?.versioningInfo;
    expect(decodeVersioningBehavior(versioning?.behavior)).toBe('PINNED');
    expect(versioning?.deploymentVersion).toMatchObject({ deploymentName: taskQueue, buildId });
    const actions = countBillableActions(await handle.fetchHistory());
    expect(actions.byKind).toMatchObject({ start: 1, activity: 10, upsert: 1, timer: 0, signal: 0, update: 0, localActivity: 0 });
    expect(actions.total).toBe(12);
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
      // What the reviewer queue reads: reasons, when it entered review and when the timeout decides.
      const waiting = await scanDoc(scan.scanId);
      expect(waiting.review).toMatchObject({ reasons: ['implausible_change'], onTimeout: config.REVIEW_TIMEOUT_DECISION });
      expect(Date.parse(waiting.review!.reviewDeadline) - Date.parse(waiting.review!.enteredReviewAt)).toBe(600_000);
      // The member is told once, without health data.
      await expect
        .poll(async () => (await pushes(scan.scanId)).map((x) => x.body.data.type), { timeout: 30_000 })
        .toEqual(['scan_in_review']);
      expect(await updateRejection(handle, reviewer(handle, 'approve', { reviewerRoles: [] }))).toBe('reviewer_role_required');
      expect(await updateRejection(handle, reviewer(handle, 'approve', { reviewerId: scan.ownerId }))).toBe('self_review_not_allowed');
      await handle.executeUpdate(submitReviewUpdate, { args: [reviewer(handle, 'approve')] });
      expect((await handle.result()).status).toBe('completed');
      const doc = await scanDoc(scan.scanId);
      expect(doc.results?.review).toMatchObject({ required: true, outcome: 'approved', reasons: ['implausible_change'] });
      // No longer waiting: a second decision is refused (the workflow has finished, so the update cannot even be delivered).
      await expect(handle.executeUpdate(submitReviewUpdate, { args: [reviewer(handle, 'reject')] })).rejects.toThrow();
      expect((await pushes(scan.scanId)).map((x) => x.body.data.type)).toEqual(['scan_in_review', 'scan_completed']);
      expect((await scanDoc(scan.scanId)).review).toMatchObject({ outcome: 'approved' });
      expect(await auditActions(scan.scanId)).toEqual(
        expect.arrayContaining(['review_requested', 'review_decided', 'member_told_in_review']),
      );
      await maybeRecordHistory(handle, 'review-approved');
    });

    it('a rejection publishes nothing, refunds the credit and tells the member', async () => {
      const { scan, handle, userId } = await seedFlaggedScan();
      await waitForStatus(handle, 'awaiting_review');
      await handle.executeUpdate(submitReviewUpdate, { args: [reviewer(handle, 'reject')] });
      const result = await handle.result();
      expect(result).toMatchObject({ status: 'rejected', error: { code: 'review_rejected' } });
      const doc = await scanDoc(scan.scanId);
      expect(doc.results).toBeUndefined();
      expect(doc.status).toBe('rejected');
      expect(await credits(userId)).toBe(1);
      expect(await historyCount(userId)).toBe(1); // only the seeded previous scan
      expect((await pushes(scan.scanId)).map((p) => p.body.data.type)).toEqual(['scan_in_review', 'scan_rejected']);
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
    // The in-review push may or may not have gone out before the cancel stopped its activity; the end is told once.
    const types = async () => (await pushes(scan.scanId)).map((p) => p.body.data.type);
    await expect.poll(async () => (await types()).includes('scan_cancelled'), { timeout: 15_000 }).toBe(true);
    const told = await types();
    expect(told.filter((t) => t === 'scan_cancelled')).toEqual(['scan_cancelled']);
    expect(told.filter((t) => t !== 'scan_cancelled' && t !== 'scan_in_review')).toEqual([]);
    expect(told.filter((t) => t === 'scan_in_review').length).toBeLessThanOrEqual(1);
    expect((await auditActions(scan.scanId)).filter((a) => a === 'scan_ended')).toHaveLength(1);
    expect(doc.photosDeleted).toBe(true);
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

describe('forward only, exactly once, retry budgets', () => {
  const activityDeps = () => activityDepsFromConfig(config, firebase, { uploads: blob, data: blob });

  it('a late status write after the scan ended is a no-op (the end is not undone, the credit stays refunded)', async () => {
    const scan = await seedUploadedScan(firebase, blob, config);
    const activities = createScanActivities(activityDeps());
    const ref = { scanId: scan.scanId, userId: scan.ownerId };
    await activities.beginScan(ref);
    await activities.endScan({
      ...ref,
      status: 'failed',
      error: { code: 'analysis_failed', message: MEMBER_MESSAGES.failed },
      photos: scan.photos,
      policy: 'keep',
      workflowType: DAILY_SCAN_WORKFLOW,
    });
    // The writes of issue 13: status moves still in flight land after the end.
    await activities.beginScan(ref);
    await activities.enterReview({ ...ref, reasons: ['low_confidence'], timeoutSeconds: 60, onTimeout: 'reject' });
    const doc = await scanDoc(scan.scanId);
    expect(doc).toMatchObject({ status: 'failed', error: { code: 'analysis_failed' }, credit: { state: 'refunded' } });
    // The failed record names the build and workflow type that ended it.
    expect(doc.provenance).toEqual({ workflowType: DAILY_SCAN_WORKFLOW, buildId, agents: {} });
    expect(doc.review).toBeUndefined();
    expect(await credits(scan.ownerId)).toBe(1);
    // Ending again changes nothing and refunds nothing.
    expect(
      await activities.endScan({
        ...ref,
        status: 'cancelled',
        error: { code: 'cancelled', message: MEMBER_MESSAGES.cancelled },
        photos: scan.photos,
        policy: 'keep',
        workflowType: DAILY_SCAN_WORKFLOW,
      }),
    ).toEqual({ ended: false, refunded: false, status: 'failed' });
    expect(await credits(scan.ownerId)).toBe(1);
  });

  it('progress never goes back: a step that finishes after a later one (the judgement after the estimate beside it) keeps the later progress', async () => {
    const scan = await seedUploadedScan(firebase, blob, config);
    const deps = activityDeps();
    const ref = { scanId: scan.scanId, userId: scan.ownerId };
    await createScanActivities(deps).beginScan(ref);
    await recordScanStep(deps, { ...ref, step: 'deltas', audit: { action: 'estimate_completed', outcome: 'anthropometric-prior' } });
    await recordScanStep(deps, { ...ref, step: 'estimate', audit: { action: 'quality_checked', outcome: 'passed' } });
    expect((await scanDoc(scan.scanId)).progress).toEqual({ status: 'running', step: 'deltas', percent: 50 });
    // The audit of the earlier step is still written: only progress is kept from going back.
    expect(await auditActions(scan.scanId)).toContain('quality_checked');
  });

  it('a push whose worker died inside the send is sent after the lease, exactly once, and the audit says so', async () => {
    const scan = await seedUploadedScan(firebase, blob, config);
    const ref = { scanId: scan.scanId, userId: scan.ownerId, outcome: 'completed' as const };
    let clock = Date.now();
    const now = () => new Date(clock);
    // The first attempt's worker is killed while the provider delays: its send never returns.
    const dying: PushTransport = { kind: 'webhook', send: () => new Promise(() => undefined) };
    void createNotifyActivities({ ...activityDeps(), push: dying, now }).notifyMember(ref);
    const marker = pushMarkerRef(firebase.db, scan.scanId, 'completed');
    await expect.poll(async () => (await marker.get()).data()?.state, { timeout: 30_000 }).toBe('sending');

    const accepted: PushMessage[] = [];
    const provider: PushTransport = {
      kind: 'webhook',
      send: async (m) => {
        accepted.push(m);
        return { delivered: 1 };
      },
    };
    const retry = createNotifyActivities({ ...activityDeps(), push: provider, now });
    // Within the lease the retry does not send a second copy at once; Temporal retries it later.
    await expect(retry.notifyMember(ref)).rejects.toMatchObject({ type: PushInFlight });
    clock += PUSH_SEND_LEASE_MS + 1_000;
    expect(await retry.notifyMember(ref)).toEqual({ sent: true, delivered: 1 });
    expect(await retry.notifyMember(ref)).toEqual({ sent: false });
    expect(accepted).toHaveLength(1);
    expect(accepted[0]!.collapseKey).toBe(`scan-${scan.scanId}-completed`);
    expect((await marker.get()).data()).toMatchObject({ state: 'sent', attempts: 2 });
    // One record of the push, as it really went: the retries wrote no second one.
    const audits = await firebase.db
      .collection(Collections.auditLogs)
      .where('scanId', '==', scan.scanId)
      .where('action', '==', 'member_notified')
      .get();
    expect(audits.docs.map((d) => d.data())).toEqual([expect.objectContaining({ outcome: 'sent.webhook' })]);
  });

  it('a good scan survives more transient faults in one step than the first version allowed (3 attempts)', async () => {
    const queue = uniqueTaskQueue('budget');
    const faults = [
      ApplicationFailure.retryable('model answered 429', FailureType.ModelRateLimited),
      ApplicationFailure.retryable('model answered 503', FailureType.ModelUnavailable),
      ApplicationFailure.retryable('model timed out', FailureType.ModelTimeout),
      ApplicationFailure.retryable('model answered 502', FailureType.ModelUnavailable),
    ];
    let calls = 0;
    const faulty = await startTestWorker(config, firebase, blob, {
      taskQueue: queue,
      wrap: (a) => ({
        ...a,
        async checkPhotoQuality(input) {
          const fault = faults[calls++];
          if (fault) throw fault;
          return a.checkPhotoQuality(input);
        },
      }),
    });
    try {
      const scan = await seedUploadedScan(firebase, blob, config);
      await startDailyScan(suite.client, config, scan, queue);
      const handle = suite.client.workflow.getHandle(workflowIdForScan(scan.scanId));
      expect((await handle.result()).status).toBe('completed');
      const { timeline } = activityTimeline(await handle.fetchHistory());
      expect(timeline.filter((t) => t.activity === 'checkPhotoQuality' && t.event === 'started').map((t) => t.attempt)).toEqual([5]);
      expect(TRANSIENT_FAULT_ATTEMPTS).toBeGreaterThan(5);
    } finally {
      await faulty.stop();
    }
  }, 120_000);
});

describe('the worker bounds the scans whose photos it holds, not its activity slots', () => {
  it('a photo check beyond SCANS_DECODED_AT_ONCE waits for a turn before it reads any photo, then passes', async () => {
    const scan = await seedUploadedScan(firebase, blob, config);
    const activities = createScanActivities(activityDepsFromConfig(config, firebase, { uploads: blob, data: blob }));
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Every turn taken, as by that many photo checks decoding at once.
    const holders = Array.from({ length: SCANS_DECODED_AT_ONCE }, () => withScanPhotos(() => gate));
    await expect.poll(() => scanPhotosInMemory().holding, { timeout: 10_000 }).toBe(SCANS_DECODED_AT_ONCE);
    const check = activities.checkPhotoQuality({ scanId: scan.scanId, userId: scan.ownerId, photos: scan.photos });
    // Without the bound the check would read and decode at once; with it, it queues.
    await expect.poll(() => scanPhotosInMemory().waiting, { timeout: 10_000 }).toBe(1);
    release();
    await Promise.all(holders);
    await expect(check).resolves.toMatchObject({ ok: true, method: 'deterministic' });
    expect(scanPhotosInMemory()).toEqual({ holding: 0, waiting: 0 });
  });
});

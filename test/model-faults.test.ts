import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { MEMBER_MESSAGES } from '../common/contracts/failures';
import { NARRATIVE_MODEL_ATTEMPTS } from '../worker/model/narrative';
import { MAX_OUTPUT_ATTEMPTS } from '../worker/model/structured';
import { activityTimeline, maybeRecordHistory } from './helpers/history';
import { azureModelConfig, runScan, scanProbe } from './helpers/model-scan';
import { INVENTED_NARRATIVE, ModelServer } from './helpers/model-server';
import { scanWorkerSuite, startTestWorker } from './helpers/scan';
import { uniqueTaskQueue } from './helpers/stack';

// Every model fault, injected by the local model server; the scan must end correctly each time, with
// exactly one results write (one history entry) and exactly one push.

const server = new ModelServer();
const taskQueue = uniqueTaskQueue('model-faults');
const suite = scanWorkerSuite('model-faults', () => azureModelConfig(server, { TEMPORAL_TASK_QUEUE: taskQueue }), {
  before: () => server.start(),
  after: () => server.stop(),
});
const { firebase, blob } = suite;
const probe = scanProbe(firebase);

const startedAttempts = async (handle: WorkflowHandle, activity: string) =>
  activityTimeline(await handle.fetchHistory())
    .timeline.filter((t) => t.activity === activity && t.event === 'started')
    .map((t) => t.attempt);

async function expectCompletedOnce(handle: WorkflowHandle, scan: { scanId: string; ownerId: string }) {
  expect((await handle.result()).status).toBe('completed');
  expect(await probe.pushTypes(scan.scanId)).toEqual(['scan_completed']);
  expect(await probe.historyCount(scan.ownerId)).toBe(1);
  return (await probe.doc(scan.scanId)).results!;
}

async function expectFailedForMember(handle: WorkflowHandle, scan: { scanId: string; ownerId: string }) {
  const err = await handle.result().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const doc = await probe.doc(scan.scanId);
  expect(doc.status).toBe('failed');
  expect(doc.error).toEqual({ code: 'analysis_failed', message: MEMBER_MESSAGES.failed });
  expect(doc.results).toBeUndefined();
  expect(doc.credit.state).toBe('refunded');
  expect(await probe.credits(scan.ownerId)).toBe(1);
  expect(await probe.historyCount(scan.ownerId)).toBe(0);
  expect(await probe.pushTypes(scan.scanId)).toEqual(['scan_failed']);
  return handle;
}

describe('model faults', () => {
  it('429 with Retry-After: the activity retries after the server-given delay and the scan completes', async () => {
    server.reset();
    server.script('body_fat_estimate', { kind: 'status', status: 429, retryAfter: '3' });
    const { scan, handle } = await runScan(suite.client, suite.config, firebase, blob, taskQueue);
    await expectCompletedOnce(handle, scan);
    const calls = server.requestsFor('body_fat_estimate');
    expect(calls.map((c) => c.behaviour)).toEqual(['status', 'ok']);
    // The workflow's own backoff starts at 1 s; the second try waited for Retry-After instead.
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(2_900);
    expect(await startedAttempts(handle, 'estimateBodyComposition')).toEqual([2]);
    await maybeRecordHistory(handle, 'model-rate-limited');
  });

  it('500s: retried with backoff, the scan completes', async () => {
    server.reset();
    server.script('photo_quality_judgement', { kind: 'status', status: 500 }, { kind: 'status', status: 503 });
    const { scan, handle } = await runScan(suite.client, suite.config, firebase, blob, taskQueue);
    await expectCompletedOnce(handle, scan);
    expect(server.requestsFor('photo_quality_judgement').map((c) => c.behaviour)).toEqual(['status', 'status', 'ok']);
    // The judgement is its own activity: only it is retried, the deterministic check ran once.
    expect(await startedAttempts(handle, 'judgePhotoQuality')).toEqual([3]);
    expect(await startedAttempts(handle, 'checkPhotoQuality')).toEqual([1]);
  });

  it('an answer slower than MODEL_TIMEOUT_SECONDS times out and is retried; the scan completes', async () => {
    server.reset();
    server.script('body_fat_estimate', { kind: 'slow', ms: 6_000 });
    const { scan, handle } = await runScan(suite.client, suite.config, firebase, blob, taskQueue);
    const r = await expectCompletedOnce(handle, scan);
    expect(r.estimate!.method).toBe('vision-fused');
    expect(server.requestsFor('body_fat_estimate').map((c) => c.behaviour)).toEqual(['slow', 'ok']);
    expect(await startedAttempts(handle, 'estimateBodyComposition')).toEqual([2]);
  });

  it('malformed JSON and a truncated answer are asked again within the attempt; the scan completes', async () => {
    server.reset();
    server.script('body_fat_estimate', { kind: 'malformed' }, { kind: 'truncated' });
    const { scan, handle } = await runScan(suite.client, suite.config, firebase, blob, taskQueue);
    const r = await expectCompletedOnce(handle, scan);
    expect(server.requestsFor('body_fat_estimate').map((c) => c.behaviour)).toEqual(['malformed', 'truncated', 'ok']);
    expect(r.estimate!.model).toMatchObject({ outcome: 'accepted', requests: 3 });
    expect(await startedAttempts(handle, 'estimateBodyComposition')).toEqual([1]);
  });

  it('a model that keeps refusing fails the scan with a member-facing reason after bounded tries, without activity retries', async () => {
    server.reset();
    server.always('body_fat_estimate', { kind: 'refusal' });
    const { scan, handle } = await runScan(suite.client, suite.config, firebase, blob, taskQueue);
    await expectFailedForMember(handle, scan);
    expect(server.requestsFor('body_fat_estimate')).toHaveLength(MAX_OUTPUT_ATTEMPTS);
    expect(await startedAttempts(handle, 'estimateBodyComposition')).toEqual([1]);
    await maybeRecordHistory(handle, 'model-output-invalid');
  });

  it('answers that keep breaking the schema fail the scan the same way', async () => {
    server.reset();
    server.always('photo_quality_judgement', { kind: 'schema' });
    const { scan, handle } = await runScan(suite.client, suite.config, firebase, blob, taskQueue);
    await expectFailedForMember(handle, scan);
    expect(server.requestsFor('photo_quality_judgement')).toHaveLength(MAX_OUTPUT_ATTEMPTS);
    // The estimate ran beside the judgement and was discarded with the scan: nothing of it stored.
    expect((await probe.doc(scan.scanId)).analysis).toBeUndefined();
  });

  it('a 4xx other than 429 is not retried: the scan fails at once', async () => {
    server.reset();
    server.always('photo_quality_judgement', { kind: 'status', status: 400 });
    const { scan, handle } = await runScan(suite.client, suite.config, firebase, blob, taskQueue);
    await expectFailedForMember(handle, scan);
    expect(server.requestsFor('photo_quality_judgement')).toHaveLength(1);
    expect(await startedAttempts(handle, 'judgePhotoQuality')).toEqual([1]);
  });

  it('a narrative with invented numbers is never stored: asked again, then the deterministic wording', async () => {
    server.reset();
    server.always('insights_narrative', { kind: 'invented' });
    server.script('nutrition_narrative', { kind: 'invented' }); // once, then a grounded answer
    const { scan, handle } = await runScan(suite.client, suite.config, firebase, blob, taskQueue);
    const r = await expectCompletedOnce(handle, scan);
    expect(server.requestsFor('insights_narrative')).toHaveLength(MAX_OUTPUT_ATTEMPTS);
    expect(r.insights!.method).toBe('deterministic');
    expect(r.insights!.narrative!.source).toBe('deterministic');
    expect(r.insights!.model).toMatchObject({
      outcome: 'fallback',
      fallbackReason: 'ungrounded_number,ungrounded_number,ungrounded_number',
    });
    expect(server.requestsFor('nutrition_narrative').map((c) => c.behaviour)).toEqual(['invented', 'ok']);
    expect(r.nutrition!.narrative!.source).toBe('model');
    const stored = JSON.stringify((await probe.doc(scan.scanId)).results);
    // The invented sentences themselves, not bare digits a random member or scan id could contain.
    for (const sentence of [INVENTED_NARRATIVE.summary, ...INVENTED_NARRATIVE.points]) expect(stored).not.toContain(sentence);
    expect(stored).not.toMatch(/\b987 days\b|\b4321 kcal\b/);
  });

  it('a narrative agent whose model stays down falls back to deterministic wording after a few attempts', async () => {
    server.reset();
    server.always('workout_narrative', { kind: 'status', status: 502 });
    const { scan, handle } = await runScan(suite.client, suite.config, firebase, blob, taskQueue);
    const r = await expectCompletedOnce(handle, scan);
    expect(r.workout!.method).toBe('deterministic');
    expect(r.workout!.narrative!.source).toBe('deterministic');
    expect(r.workout!.model).toMatchObject({ outcome: 'fallback', fallbackReason: 'ModelUnavailable' });
    expect(server.requestsFor('workout_narrative')).toHaveLength(NARRATIVE_MODEL_ATTEMPTS);
  });

  it('model requests stay within MODEL_MAX_CONCURRENCY across concurrent scans', async () => {
    server.reset();
    server.always('photo_quality_judgement', { kind: 'slow', ms: 300 });
    server.always('body_fat_estimate', { kind: 'slow', ms: 300 });
    const queue = uniqueTaskQueue('model-limit');
    const cfg = azureModelConfig(server, { TEMPORAL_TASK_QUEUE: queue, MODEL_MAX_CONCURRENCY: '1' });
    const w = await startTestWorker(cfg, firebase, blob, { taskQueue: queue });
    try {
      const runs = await Promise.all([1, 2, 3].map(() => runScan(suite.client, cfg, firebase, blob, queue)));
      for (const { scan, handle } of runs) await expectCompletedOnce(handle, scan);
      expect(server.requests).toHaveLength(15);
      expect(server.maxInFlight).toBe(1);
    } finally {
      await w.stop();
    }
  });
});

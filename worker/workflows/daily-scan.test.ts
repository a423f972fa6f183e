import { randomUUID } from 'node:crypto';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { CancelledFailure, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { FailureType, MEMBER_MESSAGES } from '../../common/contracts/failures';
import {
  type DailyScanInput,
  DailyScanInputSchema,
  type ReviewDecision,
  type ReviewVerdict,
  type UnsignedReviewDecision,
} from '../../common/contracts/scan';
import { type Estimate, ScanResultsSchema } from '../../common/contracts/scan-results';
import { ScanProgressKey, ScanStatusKey } from '../../common/contracts/search-attributes';
import { consentRevokedSignal, submitReviewUpdate } from '../../common/contracts/workflow-messages';
import { DAILY_SCAN_WORKFLOW } from '../../common/contracts/workflow-types';
import { parseReviewSigningKey, signReviewDecision } from '../../common/scans/review-signature';
import { countBillableActions } from '../../common/temporal/billable-actions';
import { LOCAL_REVIEW_SIGNING_KEY } from '../../common/temporal/local-dev-key';
import { deterministicAdvice, SAMPLE_MEASUREMENTS, SAMPLE_QUALITY, sampleEstimate, sampleTrend } from '../../test/helpers/sample-results';
import { activitiesHoldingTheClock, timeSkippingSuite } from '../../test/helpers/time-skipping';
import type { ScanActivities } from '../activities';
import { AGENT_DEPENDENCIES, AGENTS } from './agent-dependencies';
import { type dailyScanWorkflowV3, TRANSIENT_FAULT_ATTEMPTS } from './daily-scan';

// dailyScanWorkflowV3 (the type every new scan starts as, DAILY_SCAN_WORKFLOW) on Temporal's time-skipping
// test server with mocked activities: what runs in parallel and what waits for what, the review gate and
// its timeout (48 h skipped in milliseconds), and how each failure class ends the scan. The activities
// themselves, Firestore and Blob are covered by the real-stack suites under test/.

const HOUR_MS = 3_600_000;
/** How long one scan may take in real time before the test reports where it stopped (vitest's limit is 30 s). */
const DRIVE_LIMIT_MS = 25_000;
const REVIEW_TIMEOUT_SECONDS = 48 * 3600;

const suite = timeSkippingSuite();

// --- the mocked activities ------------------------------------------------------------------------

type Name = keyof ScanActivities;
type Input<N extends Name> = Parameters<ScanActivities[N]>[0];
type Output<N extends Name> = Awaited<ReturnType<ScanActivities[N]>>;
type Impl<N extends Name> = (input: Input<N>, attempt: number) => Promise<Output<N>>;
type Overrides = { [N in Name]?: Impl<N> };

interface Call {
  name: Name;
  input: unknown;
}

/** What the mocked activities saw, in the order the worker ran them. */
class Recorder {
  readonly events: string[] = [];
  readonly calls: Call[] = [];
  private readonly waiters: { test: () => boolean; resolve: () => void }[] = [];

  record(event: string, call?: Call) {
    this.events.push(event);
    if (call) this.calls.push(call);
    for (const w of [...this.waiters]) {
      if (w.test()) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  }

  index(event: string): number {
    const i = this.events.indexOf(event);
    if (i < 0) throw new Error(`no ${event} in ${this.events.join(' ')}`);
    return i;
  }

  inputs<N extends Name>(name: N): Input<N>[] {
    return this.calls.filter((c) => c.name === name).map((c) => c.input as Input<N>);
  }

  names(): Name[] {
    return this.calls.map((c) => c.name);
  }

  /** Resolves once `event` happened (real time: activities run in this process); rejects after `ms`. */
  until(event: string, ms = 15_000): Promise<void> {
    if (this.events.includes(event)) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${event} did not happen within ${ms} ms; saw ${this.events.join(' ')}`)), ms);
      this.waiters.push({
        test: () => this.events.includes(event),
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
}

/**
 * A step that must overlap with another: it finishes only once `event` happened. Were the workflow to
 * run them one after the other, it would never happen, and the step fails (not retried) saying so.
 */
async function overlapsWith(rec: Recorder, step: string, event: string) {
  try {
    await rec.until(event, 15_000);
  } catch {
    throw ApplicationFailure.nonRetryable(`${step} ran alone: ${event} never happened while it ran`, 'SchedulingViolated');
  }
}

/**
 * A step still running when the scan ends: it heartbeats until the workflow cancels it, then reports the
 * cancellation. Steps that complete on their own at the moment the workflow cancels them hit a race the
 * Java test server does not survive (it refuses the cancel of an activity that just completed,
 * ACTIVITY_UNKNOWN, and the run stalls; Temporal's server takes it), so the tests keep such steps running.
 */
async function runsUntilCancelled(rec: Recorder, name: Name): Promise<never> {
  const ctx = Context.current();
  ctx.heartbeat();
  const beat = setInterval(() => ctx.heartbeat(), 20);
  try {
    return await ctx.cancelled;
  } catch (err) {
    rec.record(`cancelled:${name}`);
    throw err;
  } finally {
    clearInterval(beat);
  }
}

/**
 * Resolves once the server has recorded the end of every other activity of the calling activity's run.
 * The workflow cancels the steps still running when a scan ends without waiting for them, and closes two
 * steps later; a cancellation that reached the test server after the close would hold its clock
 * (activitiesHoldingTheClock). The scan's end waits here, so the run cannot close before them.
 */
async function othersEnded(): Promise<void> {
  const { workflowExecution, activityId } = Context.current().info;
  if (!workflowExecution) throw new Error('othersEnded is for workflow activities');
  const handle = suite.env.client.workflow.getHandle(workflowExecution.workflowId, workflowExecution.runId);
  while (((await handle.describe()).raw.pendingActivities ?? []).some((a) => a.activityId !== activityId)) {
    await Context.current().sleep(20); // ends with the activity if the worker shuts down
  }
}

/** Waits until the server has recorded the end of every activity the run started: nothing in flight to race a cancel. */
async function noActivityInFlight(handle: WorkflowHandle) {
  for (let i = 0; i < 300; i++) {
    if (!(await handle.describe()).raw.pendingActivities?.length) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('activities still in flight after 15 s');
}

const MEASUREMENTS = SAMPLE_MEASUREMENTS;
const QUALITY = SAMPLE_QUALITY;
/** The deterministic estimate, confident enough to pass the review gate unless a test says otherwise. */
const estimate = (overrides: Partial<Estimate> = {}): Estimate => sampleEstimate(MEASUREMENTS, { confidence: 0.8, ...overrides });
const trend = sampleTrend;
const advice = deterministicAdvice;

function defaultActivities(): { [N in Name]?: Impl<N> } {
  return {
    beginScan: async () => ({ status: 'running' }),
    checkPhotoQuality: async () => QUALITY,
    estimateBodyComposition: async () => estimate(),
    computeDeltas: async () => trend(),
    planHydration: (input) => advice.planHydration(input),
    planNutrition: (input) => advice.planNutrition(input),
    planWorkout: (input) => advice.planWorkout(input),
    generateInsights: (input) => advice.generateInsights(input),
    persistResults: async () => ({ written: true }),
    notifyMember: async () => ({ sent: true, delivered: 1 }),
    enterReview: async () => ({ entered: true }),
    leaveReview: async () => ({}),
    endScan: async (input) => {
      await othersEnded();
      return { ended: true, refunded: true, status: input.status };
    },
  };
}

/** Each mocked activity records its start, end and input; `overrides` replace the defaults. */
function mockActivities(rec: Recorder, overrides: Overrides) {
  const impls = { ...defaultActivities(), ...overrides } as Record<Name, Impl<Name>>;
  const attempts = new Map<Name, number>();
  return Object.fromEntries(
    Object.entries(impls).map(([key, impl]) => {
      const name = key as Name;
      return [
        name,
        async (input: Input<Name>) => {
          const attempt = (attempts.get(name) ?? 0) + 1;
          attempts.set(name, attempt);
          rec.record(`start:${name}`, { name, input });
          try {
            return await impl(input, attempt);
          } finally {
            rec.record(`end:${name}`);
          }
        },
      ];
    }),
  );
}

// --- running a scan ---------------------------------------------------------------------------------

interface ScanRun {
  rec: Recorder;
  input: DailyScanInput;
  handle: WorkflowHandle<typeof dailyScanWorkflowV3>;
}

function scanInput(
  review: Partial<DailyScanInput['review']> = {},
  policy: DailyScanInput['photoRetentionOnFailure'] = 'delete',
): DailyScanInput {
  const scanId = `scan_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  return DailyScanInputSchema.parse({
    scanId,
    userId: 'member_1',
    measurements: MEASUREMENTS,
    photos: Object.fromEntries(['front', 'back', 'left', 'right'].map((a) => [a, `member_1/${scanId}/${a}`])),
    review: { timeoutSeconds: REVIEW_TIMEOUT_SECONDS, onTimeout: 'approve', minConfidence: 0.5, ...review },
    photoRetentionOnFailure: policy,
  });
}

/** Starts a scan on a worker of its own with the mocked activities, runs `drive` and stops the worker. */
async function withScan<T>(
  opts: {
    overrides?: Overrides | ((rec: Recorder) => Overrides);
    input?: DailyScanInput;
  },
  drive: (run: ScanRun) => Promise<T>,
): Promise<T> {
  const rec = new Recorder();
  const input = opts.input ?? scanInput();
  const { worker, taskQueue } = await suite.worker(
    'daily-scan',
    mockActivities(rec, typeof opts.overrides === 'function' ? opts.overrides(rec) : (opts.overrides ?? {})),
    // Heartbeats reach the server at once, so an activity hears a cancel in real milliseconds.
    { defaultHeartbeatThrottleInterval: 20, maxHeartbeatThrottleInterval: 20 },
  );
  return worker.runUntil(async () => {
    const handle = await suite.env.client.workflow.start<typeof dailyScanWorkflowV3>(DAILY_SCAN_WORKFLOW, {
      taskQueue,
      workflowId: `daily-scan-${input.scanId}`,
      args: [input],
      typedSearchAttributes: [
        { key: ScanStatusKey, value: 'running' },
        { key: ScanProgressKey, value: 0 },
      ],
    });
    // A scan stuck past this says where it stopped (history and activity log), not just "timed out".
    let timer: NodeJS.Timeout | undefined;
    const stuck = new Promise<never>((_, reject) => {
      timer = setTimeout(async () => {
        const events = await handle.fetchHistory().then(
          (h) => h.events ?? [],
          () => [],
        );
        const types = events.map((e) => `${e.eventId}:${e.eventType}`).join(' ');
        reject(new Error(`scan stuck after ${DRIVE_LIMIT_MS} ms; activities: ${rec.events.join(' ')}; history: ${types}`));
      }, DRIVE_LIMIT_MS);
    });
    try {
      const result = await Promise.race([drive({ rec, input, handle }), stuck]);
      // What this run leaves holding the server's clock would stall the next test that needs skipped time.
      expect(await activitiesHoldingTheClock(handle), 'activities holding the time-skipping clock').toEqual([]);
      return result;
    } finally {
      clearTimeout(timer);
    }
  });
}

/** The workflow's failure: its ApplicationFailure type and the cause below it. */
async function failureOf(handle: WorkflowHandle): Promise<{ type?: string; cause: unknown }> {
  const err = await handle.result().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause;
  return { type: cause instanceof ApplicationFailure ? (cause.type ?? undefined) : undefined, cause };
}

async function searchStatus(handle: WorkflowHandle): Promise<string | undefined> {
  return (await handle.describe()).typedSearchAttributes.get(ScanStatusKey);
}

const SIGNING_KEY = parseReviewSigningKey(LOCAL_REVIEW_SIGNING_KEY);

/** A decision as the functions app signs it for the scan `handle` runs, at the test server's time (or `signedAtMs`). */
async function reviewer(
  handle: WorkflowHandle,
  decision: ReviewVerdict,
  overrides: Partial<Omit<UnsignedReviewDecision, 'decisionId' | 'signedAt'>> = {},
  signedAtMs?: number,
): Promise<ReviewDecision> {
  const fields = {
    decision,
    notes: 'checked the photos',
    reviewerId: 'reviewer_7',
    reviewerRoles: ['reviewer'],
    scanId: handle.workflowId.replace(/^daily-scan-/, ''),
    ...overrides,
  };
  return signReviewDecision(SIGNING_KEY, fields, new Date(signedAtMs ?? (await suite.env.currentTimeMs())));
}

/** The validator's refusal type, or undefined when the update was accepted. */
async function updateRefusal(handle: WorkflowHandle, decision: ReviewDecision): Promise<string | undefined> {
  try {
    await handle.executeUpdate(submitReviewUpdate, { args: [decision] });
    return undefined;
  } catch (err) {
    return (err as { cause?: { type?: string } }).cause?.type;
  }
}

const ADVICE: Name[] = ['planHydration', 'planNutrition', 'planWorkout', 'generateInsights'];

/** Every agent that ran started only after each agent it depends on (agent-dependencies.ts) had finished. */
function obeysDependencies(r: Recorder) {
  const ran = new Set(r.names());
  for (const agent of AGENTS.filter((a) => ran.has(a))) {
    for (const dep of AGENT_DEPENDENCIES[agent].filter((d: Name) => ran.has(d))) {
      expect(r.index(`end:${dep}`), `${agent} waits for ${dep}`).toBeLessThan(r.index(`start:${agent}`));
    }
  }
}

// With a model, the deterministic check leaves the judgement to its own activity, and the estimate runs beside it.
const PHOTO_BLOBS = { front: 'f', back: 'b', left: 'l', right: 'r' };
const CHECKED = { ...QUALITY, photoBlobs: PHOTO_BLOBS, judgementPending: true as const };
const JUDGED = {
  ...QUALITY,
  method: 'deterministic+vision' as const,
  photoBlobs: PHOTO_BLOBS,
  vision: {
    photos: (['front', 'back', 'left', 'right'] as const).map(
      (angle) => ({ angle, pose: 'ok', framing: 'ok', clothing: 'ok', lighting: 'ok' }) as const,
    ),
  },
};
const flagged = () => ({ estimateBodyComposition: async () => estimate({ confidence: 0.3 }) }) satisfies Overrides;

// --- scheduling -------------------------------------------------------------------------------------

describe('dailyScanWorkflowV3 scheduling (time-skipping server, mocked activities)', () => {
  it('runs each agent once its inputs exist, independent agents side by side, and publishes after all of them', async () => {
    await withScan(
      {
        overrides: (rec) => ({
          // Hydration needs only the weight: it runs while the photos are checked...
          checkPhotoQuality: async () => {
            await overlapsWith(rec, 'checkPhotoQuality', 'start:planHydration');
            return QUALITY;
          },
          // ...and is still running when insights start, so publishing must wait for it.
          planHydration: async (input) => {
            await overlapsWith(rec, 'planHydration', 'start:generateInsights');
            return advice.planHydration(input);
          },
          // Nutrition and workout need the estimate, not the deltas.
          computeDeltas: async () => {
            await overlapsWith(rec, 'computeDeltas', 'start:planNutrition');
            await overlapsWith(rec, 'computeDeltas', 'start:planWorkout');
            return trend();
          },
        }),
      },
      async (run) => {
        const result = await run.handle.result();
        expect(result).toEqual({ scanId: run.input.scanId, status: 'completed' });
        const r = run.rec;
        const precedes = (a: string, b: string) => expect(r.index(a), `${a} before ${b}`).toBeLessThan(r.index(b));

        // beginScan (consent, status) comes before any agent; each agent starts once its inputs exist.
        for (const name of r.names().filter((n) => n !== 'beginScan')) precedes('end:beginScan', `start:${name}`);
        precedes('end:checkPhotoQuality', 'start:estimateBodyComposition');
        for (const n of ['planNutrition', 'planWorkout', 'computeDeltas']) precedes('end:estimateBodyComposition', `start:${n}`);
        precedes('end:computeDeltas', 'start:generateInsights');
        // Publishing waits for every agent, and the push for the stored results.
        for (const n of ADVICE) precedes(`end:${n}`, 'start:persistResults');
        precedes('end:persistResults', 'start:notifyMember');
        obeysDependencies(r);
        // No model: the check answers without a judgement pending, and none is asked for.
        expect(r.inputs('checkPhotoQuality')[0]).toMatchObject({ judgeSeparately: true });

        // Each agent ran once and got what the earlier ones produced.
        expect([...r.names()].sort()).toEqual(
          [
            'beginScan',
            'checkPhotoQuality',
            'computeDeltas',
            'estimateBodyComposition',
            'generateInsights',
            'notifyMember',
            'persistResults',
            'planHydration',
            'planNutrition',
            'planWorkout',
          ].sort(),
        );
        expect(r.inputs('estimateBodyComposition')[0]).toMatchObject({ quality: QUALITY, measurements: run.input.measurements });
        expect(r.inputs('generateInsights')[0]).toMatchObject({ estimate: estimate(), deltas: trend() });
        expect(r.inputs('notifyMember')).toEqual([{ scanId: run.input.scanId, userId: 'member_1', outcome: 'completed' }]);

        // The stored results are what the agents returned, in the schema the API documents.
        const [persisted] = r.inputs('persistResults');
        expect(persisted).toMatchObject({
          scanId: run.input.scanId,
          userId: 'member_1',
          capturedAt: MEASUREMENTS.capturedAt,
          // The run's type, from the workflow; the build id is the activity's own (the workflow reads no environment).
          workflowType: DAILY_SCAN_WORKFLOW,
        });
        const results = ScanResultsSchema.parse(persisted!.results);
        expect(results.review).toEqual({ required: false });
        expect(results.estimate).toEqual(estimate());
        expect(results.hydration).toEqual(await advice.planHydration({ measurements: run.input.measurements }));

        // 12 billable actions, the goal docs/design.md states: no timer, one status upsert, no patch marker.
        const history = await run.handle.fetchHistory();
        const actions = countBillableActions(history);
        expect(actions.byKind).toMatchObject({ start: 1, activity: 10, timer: 0, upsert: 1, signal: 0, update: 0 });
        expect(actions.total).toBe(12);
        expect(await searchStatus(run.handle)).toBe('completed');
        expect((await run.handle.describe()).typedSearchAttributes.get(ScanProgressKey)).toBe(95);
      },
    );
  });

  it('with a model: the estimate runs beside the vision judgement, and an accepted judgement publishes it', async () => {
    await withScan(
      {
        overrides: (rec) => ({
          checkPhotoQuality: async () => CHECKED,
          // The judgement finishes only once the estimate has started: run one after the other, it fails.
          judgePhotoQuality: async () => {
            await overlapsWith(rec, 'judgePhotoQuality', 'start:estimateBodyComposition');
            return JUDGED;
          },
        }),
      },
      async (run) => {
        expect(await run.handle.result()).toEqual({ scanId: run.input.scanId, status: 'completed' });
        const r = run.rec;
        expect(r.index('start:estimateBodyComposition')).toBeLessThan(r.index('end:judgePhotoQuality'));
        obeysDependencies(r);
        expect(r.inputs('judgePhotoQuality')).toEqual([{ scanId: run.input.scanId, userId: 'member_1', checked: CHECKED }]);
        expect(r.inputs('estimateBodyComposition')[0]).toMatchObject({ quality: CHECKED });
        // The stored quality is the judgement's, the estimate the one computed beside it.
        const results = ScanResultsSchema.parse(r.inputs('persistResults')[0]!.results);
        expect(results.quality).toEqual(JUDGED);
        expect(results.estimate).toEqual(estimate());
        expect(r.inputs('notifyMember').map((n) => n.outcome)).toEqual(['completed']);
        // The judgement is an eighth agent: 13 billable actions with a model, and still no patch marker.
        const actions = countBillableActions(await run.handle.fetchHistory());
        expect(actions.byKind).toMatchObject({ start: 1, activity: 11, timer: 0, upsert: 1, signal: 0, update: 0 });
        expect(actions.total).toBe(13);
      },
    );
  });

  it.each([{ estimate: 'finished before the judgement' as const }, { estimate: 'still running when the judgement rejects' as const }])(
    'with a model: a rejecting judgement discards the estimate ($estimate); the scan ends rejected',
    async (c) => {
      const rejectedByVision = [
        { angle: 'front', code: 'vision_clothing', reason: 'The front photo: please wear close-fitting clothing.' },
      ];
      await withScan(
        {
          overrides: (rec) => ({
            checkPhotoQuality: async () => CHECKED,
            estimateBodyComposition:
              c.estimate === 'finished before the judgement'
                ? async () => estimate()
                : () => runsUntilCancelled(rec, 'estimateBodyComposition'),
            judgePhotoQuality: async () => {
              await rec.until(
                c.estimate === 'finished before the judgement' ? 'end:estimateBodyComposition' : 'start:estimateBodyComposition',
              );
              throw ApplicationFailure.create({
                type: FailureType.PhotosRejected,
                message: 'photos rejected',
                details: [rejectedByVision],
              });
            },
          }),
        },
        async ({ handle, rec, input }) => {
          const error = { code: 'photos_rejected', message: MEMBER_MESSAGES.photos_rejected, details: rejectedByVision };
          expect(await handle.result()).toEqual({ scanId: input.scanId, status: 'rejected', error });
          // Nothing that would store or show the estimate ran: no deltas (they keep it on the scan), no advice, no results.
          for (const n of ['computeDeltas', 'planNutrition', 'planWorkout', 'generateInsights', 'persistResults'] as Name[]) {
            expect(rec.names()).not.toContain(n);
          }
          if (c.estimate === 'still running when the judgement rejects') expect(rec.events).toContain('cancelled:estimateBodyComposition');
          expect(rec.inputs('endScan')).toEqual([expect.objectContaining({ status: 'rejected', error })]);
          // One push, the rejection.
          expect(rec.inputs('notifyMember').map((n) => n.outcome)).toEqual(['rejected']);
          expect(await searchStatus(handle)).toBe('rejected');
        },
      );
    },
  );

  it('retries a transient fault of an agent with backoff (skipped) and completes', async () => {
    const started = Date.now();
    await withScan(
      {
        overrides: {
          computeDeltas: async (_input, attempt) => {
            if (attempt < 4) throw new Error('database blinked');
            return trend();
          },
        },
      },
      async ({ handle, rec }) => {
        const before = await suite.env.currentTimeMs();
        expect((await handle.result()).status).toBe('completed');
        expect(rec.inputs('computeDeltas')).toHaveLength(4);
        // 1 s, 2 s and 4 s of backoff, skipped.
        expect(await suite.env.currentTimeMs()).toBeGreaterThanOrEqual(before + 7_000);
      },
    );
    expect(Date.now() - started).toBeLessThan(7_000);
  });
});

// --- the review gate --------------------------------------------------------------------------------

describe('dailyScanWorkflowV3 review gate (time-skipping server, mocked activities)', () => {
  it('holds back publishing, not the advice agents, until a reviewer approves; refuses decisions it must not take', async () => {
    let releaseDeltas!: () => void;
    const deltasReleased = new Promise<void>((resolve) => {
      releaseDeltas = resolve;
    });
    await withScan(
      {
        overrides: {
          ...flagged(),
          // The vision model's reason counts; a reason the contract does not know is dropped.
          estimateBodyComposition: async () => estimate({ confidence: 0.3, reviewReasons: ['model_prior_disagreement', 'made_up'] }),
          computeDeltas: async () => {
            await deltasReleased;
            return trend(true);
          },
        },
      },
      async ({ handle, rec, input }) => {
        // Before the gate: no decision is taken.
        await rec.until('start:computeDeltas');
        expect(await updateRefusal(handle, await reviewer(handle, 'approve'))).toBe('not_awaiting_review');
        releaseDeltas();

        await rec.until('end:enterReview');
        for (const n of ADVICE) await rec.until(`end:${n}`);
        expect(rec.inputs('enterReview')).toEqual([
          {
            scanId: input.scanId,
            userId: 'member_1',
            reasons: ['low_confidence', 'implausible_change', 'model_prior_disagreement'],
            timeoutSeconds: REVIEW_TIMEOUT_SECONDS,
            onTimeout: 'approve',
          },
        ]);
        await rec.until('end:notifyMember');
        expect(rec.inputs('notifyMember').map((n) => n.outcome)).toEqual(['in_review']);
        expect(rec.names()).not.toContain('persistResults');
        expect(await searchStatus(handle)).toBe('awaiting_review');

        expect(await updateRefusal(handle, await reviewer(handle, 'approve', { reviewerId: 'member_1' }))).toBe('self_review_not_allowed');
        expect(await updateRefusal(handle, await reviewer(handle, 'approve', { reviewerRoles: ['member'] }))).toBe(
          'reviewer_role_required',
        );
        // Not one the functions app signed for this scan just now: unsigned, signed for another scan, or stale.
        const { signature: _, ...unsigned } = await reviewer(handle, 'approve');
        expect(await updateRefusal(handle, unsigned as ReviewDecision)).toBe('review_decision_invalid');
        expect(await updateRefusal(handle, await reviewer(handle, 'approve', { scanId: 'scan_another1' }))).toBe('review_decision_invalid');
        const stale = (await suite.env.currentTimeMs()) - 10 * 60_000;
        expect(await updateRefusal(handle, await reviewer(handle, 'approve', {}, stale))).toBe('review_decision_invalid');
        expect(await updateRefusal(handle, await reviewer(handle, 'approve'))).toBeUndefined();

        expect((await handle.result()).status).toBe('completed');
        expect(rec.inputs('leaveReview')).toEqual([
          {
            scanId: input.scanId,
            userId: 'member_1',
            outcome: 'approved',
            appliedDecision: 'approve',
            reviewerId: 'reviewer_7',
            // The signed decision itself: leaveReview verifies it before the scan moves on.
            decision: expect.objectContaining({ scanId: input.scanId, reviewerId: 'reviewer_7', signature: expect.any(String) }),
          },
        ]);
        const results = ScanResultsSchema.parse(rec.inputs('persistResults')[0]!.results);
        expect(results.review).toEqual({
          required: true,
          reasons: ['low_confidence', 'implausible_change', 'model_prior_disagreement'],
          outcome: 'approved',
          appliedDecision: 'approve',
          reviewerId: 'reviewer_7',
          notes: 'checked the photos',
        });
        expect(rec.index('end:leaveReview')).toBeLessThan(rec.index('start:persistResults'));
        expect(rec.inputs('notifyMember').map((n) => n.outcome)).toEqual(['in_review', 'completed']);
        expect(rec.names()).not.toContain('endScan');
      },
    );
  });

  it('a reviewer rejection ends the scan rejected, publishes nothing, and compensates', async () => {
    await withScan({ overrides: flagged(), input: scanInput({}, 'keep') }, async ({ handle, rec, input }) => {
      await rec.until('end:enterReview');
      expect(await updateRefusal(handle, await reviewer(handle, 'reject'))).toBeUndefined();
      const result = await handle.result();
      expect(result).toEqual({
        scanId: input.scanId,
        status: 'rejected',
        error: { code: 'review_rejected', message: MEMBER_MESSAGES.review_rejected },
      });
      expect(rec.inputs('leaveReview')[0]).toMatchObject({ outcome: 'rejected', appliedDecision: 'reject', reviewerId: 'reviewer_7' });
      expect(rec.names()).not.toContain('persistResults');
      expect(rec.inputs('endScan')).toEqual([
        {
          scanId: input.scanId,
          userId: 'member_1',
          status: 'rejected',
          error: result.error,
          photos: input.photos,
          policy: 'keep',
          workflowType: DAILY_SCAN_WORKFLOW,
        },
      ]);
      expect(rec.inputs('notifyMember').map((n) => n.outcome)).toEqual(['in_review', 'rejected']);
      expect(await searchStatus(handle)).toBe('rejected');
    });
  });

  it.each([
    ['approve', 'completed'],
    ['reject', 'rejected'],
  ] as const)('with no decision in 48 h the timeout decides %s (48 h skipped in well under a minute)', async (onTimeout, status) => {
    const started = Date.now();
    await withScan({ overrides: flagged(), input: scanInput({ onTimeout }) }, async ({ handle, rec }) => {
      await rec.until('end:enterReview');
      const before = await suite.env.currentTimeMs();
      const result = await handle.result();
      expect(result.status).toBe(status);
      expect(await suite.env.currentTimeMs()).toBeGreaterThanOrEqual(before + 48 * HOUR_MS - 1_000);
      expect(rec.inputs('leaveReview')[0]).toMatchObject({ outcome: 'timed_out', appliedDecision: onTimeout });
      expect(rec.inputs('leaveReview')[0]!.reviewerId).toBeUndefined();
      if (status === 'completed') {
        const results = ScanResultsSchema.parse(rec.inputs('persistResults')[0]!.results);
        expect(results.review).toMatchObject({ required: true, outcome: 'timed_out', appliedDecision: 'approve' });
        expect(rec.names()).not.toContain('endScan');
      } else {
        expect(result.error?.code).toBe('review_rejected');
        expect(rec.names()).not.toContain('persistResults');
        expect(rec.inputs('endScan')[0]).toMatchObject({ status: 'rejected' });
      }
      // A decision after the deadline finds the scan gone.
      await expect(handle.executeUpdate(submitReviewUpdate, { args: [await reviewer(handle, 'approve')] })).rejects.toThrow();
    });
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('a decision leaveReview refuses (its signature does not verify) is not applied: the scan waits on and takes a real one', async () => {
    const verdicts: Array<{ refused?: 'signature_invalid' }> = [{ refused: 'signature_invalid' }, {}];
    await withScan({ overrides: { ...flagged(), leaveReview: async () => verdicts.shift()! } }, async ({ handle, rec, input }) => {
      await rec.until('end:enterReview');
      // Passes the validator (it cannot check the signature), is refused by leaveReview.
      expect(await updateRefusal(handle, await reviewer(handle, 'approve'))).toBeUndefined();
      await rec.until('end:leaveReview');
      // Back at the gate once the workflow has taken the refusal in (until then: not awaiting review).
      let refusal: string | undefined = 'not_awaiting_review';
      while (refusal === 'not_awaiting_review') refusal = await updateRefusal(handle, await reviewer(handle, 'reject'));
      expect(refusal).toBeUndefined();
      const result = await handle.result();
      expect(result).toMatchObject({ scanId: input.scanId, status: 'rejected' });
      expect(rec.inputs('leaveReview').map((l) => l.appliedDecision)).toEqual(['approve', 'reject']);
      expect(rec.names()).not.toContain('persistResults');
      expect(rec.inputs('notifyMember').map((n) => n.outcome)).toEqual(['in_review', 'rejected']);
    });
  });
});

// --- compensation -----------------------------------------------------------------------------------

const rejectedPhotos = [{ angle: 'front' as const, code: 'too_dark', reason: 'The front photo is too dark.' }];

describe('dailyScanWorkflowV3 compensation (time-skipping server, mocked activities)', () => {
  it.each([
    {
      fault: 'photos rejected by the quality check (never retried)',
      overrides: {
        checkPhotoQuality: async () => {
          throw ApplicationFailure.create({ type: FailureType.PhotosRejected, message: 'photos rejected', details: [rejectedPhotos] });
        },
      } satisfies Overrides,
      step: 'checkPhotoQuality' as Name,
      attempts: 1,
      status: 'rejected',
      error: { code: 'photos_rejected', message: MEMBER_MESSAGES.photos_rejected, details: rejectedPhotos },
    },
    {
      fault: 'consent missing at the start (never retried)',
      overrides: {
        beginScan: async () => {
          throw ApplicationFailure.create({ type: FailureType.ConsentRequired, message: 'no consent' });
        },
      } satisfies Overrides,
      step: 'beginScan' as Name,
      attempts: 1,
      status: 'failed',
      error: { code: 'consent_required', message: MEMBER_MESSAGES.consent_required },
    },
    {
      fault: 'a model refusing the request (non-retryable)',
      overrides: {
        estimateBodyComposition: async () => {
          throw ApplicationFailure.nonRetryable('model refused', FailureType.ModelRequestRejected);
        },
      } satisfies Overrides,
      step: 'estimateBodyComposition' as Name,
      attempts: 1,
      status: 'failed',
      error: { code: 'analysis_failed', message: MEMBER_MESSAGES.failed },
    },
    {
      fault: 'a transient fault that outlasts the retry budget (about 7 min of backoff, skipped)',
      overrides: {
        planNutrition: async () => {
          throw ApplicationFailure.retryable('model unavailable', FailureType.ModelUnavailable);
        },
      } satisfies Overrides,
      step: 'planNutrition' as Name,
      attempts: TRANSIENT_FAULT_ATTEMPTS,
      status: 'failed',
      error: { code: 'analysis_failed', message: MEMBER_MESSAGES.failed },
    },
  ])(
    '$fault → $status, credit refunded and photo policy applied in one end, member told',
    async ({ overrides, step, attempts, status, error }) => {
      // Hydration starts with the photo check and is still running when a later step fails: the fault waits
      // until the worker has taken it, so the workflow's cancel finds it running (one cancelled before any
      // worker took it would hold the test server's clock). Not when the fault is retried: the test server
      // skips no time while an activity runs, so backoff would take real time.
      const cancelsHydration = attempts === 1 && step !== 'beginScan';
      const withRunningStep = (rec: Recorder): Overrides => {
        if (!cancelsHydration) return overrides as Overrides;
        const fault = (overrides as Overrides)[step] as Impl<Name>;
        return {
          planHydration: () => runsUntilCancelled(rec, 'planHydration'),
          [step]: async (input: Input<Name>, attempt: number) => {
            await rec.until('start:planHydration');
            return fault(input, attempt);
          },
        };
      };
      await withScan({ overrides: withRunningStep }, async ({ handle, rec, input }) => {
        if (status === 'rejected') {
          expect(await handle.result()).toEqual({ scanId: input.scanId, status, error });
        } else {
          // A failed scan fails its run with an identifier-only summary and the stable code as type.
          const { type, cause } = await failureOf(handle);
          expect(type).toBe(error.code);
          expect((cause as Error).message).toBe(`scan ${input.scanId} ${status}`);
        }
        expect(rec.inputs(step)).toHaveLength(attempts);
        expect(rec.names()).not.toContain('persistResults');
        // One end: status and member-facing error, refund and photo retention (policy from the input).
        expect(rec.inputs('endScan')).toEqual([
          {
            scanId: input.scanId,
            userId: 'member_1',
            status,
            error,
            photos: input.photos,
            policy: 'delete',
            workflowType: DAILY_SCAN_WORKFLOW,
          },
        ]);
        // A step started early is cancelled, nothing but the push starts after the end, and the push says how it ended.
        if (cancelsHydration) expect(rec.events).toContain('cancelled:planHydration');
        const afterEnd = rec.events.slice(rec.index('start:endScan') + 1).filter((e) => e.startsWith('start:'));
        expect(afterEnd).toEqual(['start:notifyMember']);
        expect(rec.inputs('notifyMember').map((n) => n.outcome)).toEqual([status]);
        expect(rec.index('end:endScan')).toBeLessThan(rec.index('start:notifyMember'));
        expect(await searchStatus(handle)).toBe(status);
      });
    },
  );

  it('a cancel at the review gate ends the scan cancelled and still compensates', async () => {
    await withScan({ overrides: flagged() }, async ({ handle, rec, input }) => {
      await rec.until('end:notifyMember'); // the in-review push went out
      await noActivityInFlight(handle);
      await handle.cancel();
      const { cause } = await failureOf(handle);
      expect(cause).toBeInstanceOf(CancelledFailure);
      expect(rec.inputs('endScan')).toEqual([
        {
          scanId: input.scanId,
          userId: 'member_1',
          status: 'cancelled',
          error: { code: 'cancelled', message: MEMBER_MESSAGES.cancelled },
          photos: input.photos,
          policy: 'delete',
          workflowType: DAILY_SCAN_WORKFLOW,
        },
      ]);
      expect(rec.inputs('notifyMember').map((n) => n.outcome)).toEqual(['in_review', 'cancelled']);
      expect(rec.names()).not.toContain('persistResults');
      expect(await searchStatus(handle)).toBe('cancelled');
    });
  });

  it('consent revoked during the scan ends it failed with consent_required, not cancelled', async () => {
    await withScan({ overrides: flagged() }, async ({ handle, rec }) => {
      await rec.until('end:notifyMember'); // the in-review push went out
      await noActivityInFlight(handle);
      await handle.signal(consentRevokedSignal);
      const { type } = await failureOf(handle);
      expect(type).toBe('consent_required');
      expect(rec.inputs('endScan')[0]).toMatchObject({
        status: 'failed',
        error: { code: 'consent_required', message: MEMBER_MESSAGES.consent_required },
      });
      expect(rec.inputs('notifyMember').map((n) => n.outcome)).toEqual(['in_review', 'failed']);
    });
  });

  it('a cancel while the results are stored waits for the write; the scan stays completed and the member hears so', async () => {
    await withScan(
      {
        overrides: {
          // The write heartbeats, hears the cancel, and commits anyway (a transaction that already ran).
          persistResults: async () => {
            const ctx = Context.current();
            while (!ctx.cancellationSignal.aborted) {
              ctx.heartbeat();
              await new Promise((resolve) => setTimeout(resolve, 50));
            }
            return { written: true };
          },
          // The repository's forward-only end: a scan with stored results stays completed.
          endScan: async () => ({ ended: false, refunded: false, status: 'completed' }),
        },
      },
      async ({ handle, rec }) => {
        await rec.until('start:persistResults');
        await handle.cancel();
        const { cause } = await failureOf(handle);
        expect(cause).toBeInstanceOf(CancelledFailure);
        // The cancelled write was waited for before the end was written.
        expect(rec.index('end:persistResults')).toBeLessThan(rec.index('start:endScan'));
        expect(rec.inputs('endScan')[0]).toMatchObject({ status: 'cancelled' });
        expect(rec.inputs('notifyMember').map((n) => n.outcome)).toEqual(['completed']);
      },
    );
  });
});

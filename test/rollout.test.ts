import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBlobService } from '../common/clients/blob';
import { createFirebase } from '../common/clients/firebase';
import { createTemporalClient } from '../common/clients/temporal';
import { workflowIdForScan } from '../common/contracts/scan';
import type { ScanDocument } from '../common/contracts/scan-document';
import { submitReviewUpdate } from '../common/contracts/workflow-messages';
import { scanRef } from '../common/scans/repository';
import { startDailyScan } from '../common/scans/start-scan';
import { localWorkerFleet } from '../scripts/lib/local-worker-fleet';
import { type RolloutTarget, removeDrained, rollback, rollout, routing, versionStatus } from '../scripts/lib/rollout';
import { rolloutCommand } from '../scripts/rollout';
import { writeWorkflowBundle } from '../worker/workflow-bundler';
import { seedLeanerScanYesterday, signedDecision } from './helpers/review';
import { newUserId, seedMember, seedUploadedScan } from './helpers/scan';
import { stackEnv, testConfig, uniqueTaskQueue } from './helpers/stack';

// Issue 25: the deploy's rollout (scripts/lib/rollout.ts) exercised against the dev server, the container
// groups replaced by worker processes, one per build. Scans parked at review on build A; build B ramped,
// rolled back, then made current; new scans run on B; the parked scans, approved after the switch, finish
// on A and say so; Temporal reports A drained only after the last of them, and only then are A's workers
// stopped, with nothing left open on the queue.

const taskQueue = uniqueTaskQueue('rollout');
const tag = randomUUID().slice(0, 8);
const [buildA, buildB] = [`a-${tag}`, `b-${tag}`];
const config = testConfig({ TEMPORAL_TASK_QUEUE: taskQueue, REVIEW_TIMEOUT_SECONDS: '600' });
const firebase = createFirebase(config, `rollout-${tag}`);
const blob = createBlobService(config);
// Prebuilt once, as the image builds it: each build's worker process polls in seconds.
const bundleDir = mkdtempSync(path.join(os.tmpdir(), 'rollout-'));
const bundlePath = path.join(bundleDir, 'workflow-bundle.js');
let client: Client;
const logged: string[] = [];
let fleet: ReturnType<typeof localWorkerFleet>;
let target: RolloutTarget;

beforeAll(async () => {
  client = await createTemporalClient(config);
  await writeWorkflowBundle(bundlePath, 'WARN');
  const { PUSH_RECEIVER_LIST_URL: _, STACK_DATA_DIR: __, ...env } = stackEnv();
  fleet = localWorkerFleet({
    ...env,
    TEMPORAL_TASK_QUEUE: taskQueue,
    REVIEW_TIMEOUT_SECONDS: '600',
    WORKER_HEALTH_PORT: '0',
    WORKER_WORKFLOW_BUNDLE_PATH: bundlePath,
    LOG_LEVEL: 'warn',
  });
  target = {
    workflowService: client.connection.workflowService,
    namespace: config.TEMPORAL_NAMESPACE,
    deploymentName: taskQueue, // WORKER_DEPLOYMENT_NAME unset: the queue's name
    fleet,
    log: (line) => logged.push(line),
    drainWaitSeconds: 0,
    checkEveryMs: 250,
  };
});
afterAll(async () => {
  for (const build of await fleet.running()) await fleet.stop(build);
  await client?.connection.close();
  await firebase.close();
  rmSync(bundleDir, { recursive: true, force: true });
});

const scanDoc = async (scanId: string) => (await scanRef(firebase.db, scanId).get()).data() as ScanDocument;
async function startScan(flagged: boolean) {
  const userId = newUserId();
  await seedMember(firebase.db, userId, { credits: 1 });
  // A far leaner scan yesterday makes today's an implausible change: the scan waits for a reviewer.
  if (flagged) await seedLeanerScanYesterday(firebase.db, userId, { leanMassKg: 75.4 });
  const scan = await seedUploadedScan(firebase, blob, config, { userId });
  await startDailyScan(client, config, scan, taskQueue);
  return { scanId: scan.scanId, handle: client.workflow.getHandle(workflowIdForScan(scan.scanId)) };
}
const approve = (scanId: string) =>
  client.workflow.getHandle(workflowIdForScan(scanId)).executeUpdate(submitReviewUpdate, {
    args: [signedDecision(config, scanId, 'approve', { notes: 'checked', reviewerId: 'reviewer_rollout' })],
  });

describe('rollout with drain (local worker processes)', () => {
  it('scans parked on A finish on A after B became current; A is removed only once Temporal reports it drained', async () => {
    await rollout(target, buildA, 0);
    expect(await routing(target)).toMatchObject({ current: buildA, ramping: undefined });

    const parked = [await startScan(true), await startScan(true)];
    await expect
      .poll(async () => (await Promise.all(parked.map((p) => scanDoc(p.scanId)))).map((d) => d?.status), { timeout: 90_000 })
      .toEqual(['awaiting_review', 'awaiting_review']);

    // The ramp, through the command the deploy hook runs (its setting, its flags): B takes a share of new
    // scans, A stays current and keeps its workers.
    const command = (argv: string[], env: Record<string, string> = {}) =>
      rolloutCommand(argv, { ...stackEnv(), TEMPORAL_TASK_QUEUE: taskQueue, ...env }, fleet, (line) => logged.push(line));
    expect(await command(['--build', buildB, '--drain-wait', '0'], { WORKER_RAMP_PERCENT: '25' })).toEqual({ removed: [], draining: [] });
    expect(await routing(target)).toMatchObject({ current: buildA, ramping: buildB, rampPercent: 25 });
    expect(await fleet.running()).toEqual([buildA, buildB]);
    // Rollback of a ramp, one command: every new scan to A again.
    expect(await command(['--rollback'])).toEqual({ current: buildA });
    expect(await routing(target)).toMatchObject({ current: buildA, ramping: undefined });

    // B made current: A has open pinned scans, so its workers stay and the rollout says so.
    let outcome = await rollout(target, buildB, 0);
    expect(outcome).toEqual({ removed: [], draining: [buildA] });
    expect(logged.at(-1)).toContain(`build ${buildA} is not drained yet`);
    expect(await fleet.running()).toEqual([buildA, buildB]);
    // Rollback to A while its workers run, and forward to B again.
    expect(await rollback(target)).toBe(buildA);
    expect((await routing(target)).current).toBe(buildA);
    outcome = await rollout(target, buildB, 0);
    expect(outcome.draining).toEqual([buildA]);
    expect((await routing(target)).current).toBe(buildB);

    const fresh = await startScan(false);
    expect(await fresh.handle.result()).toMatchObject({ status: 'completed' });
    expect((await scanDoc(fresh.scanId)).results?.provenance?.buildId).toBe(buildB);

    // The parked scans, approved after the switch, finish on A; A drains only after the last of them.
    const [first, last] = parked as [(typeof parked)[0], (typeof parked)[0]];
    await approve(first.scanId);
    expect(await first.handle.result()).toMatchObject({ status: 'completed' });
    expect((await scanDoc(first.scanId)).results?.provenance?.buildId).toBe(buildA);
    expect(await removeDrained({ ...target, drainWaitSeconds: 3 })).toEqual({ removed: [], draining: [buildA] });
    expect((await versionStatus(target, buildA)).status).toBe('draining');

    await approve(last.scanId);
    expect(await last.handle.result()).toMatchObject({ status: 'completed' });
    expect((await scanDoc(last.scanId)).results?.provenance?.buildId).toBe(buildA);
    // The dev server refreshes drainage every second (scripts/lib/local-stack.ts); a reused stack started
    // without those settings refreshes every 3 minutes, hence the long bound.
    const workerA = fleet.processes.get(buildA)!;
    expect(await removeDrained({ ...target, drainWaitSeconds: 300 })).toEqual({ removed: [buildA], draining: [] });
    expect((await versionStatus(target, buildA)).status).toBe('drained');
    expect(await workerA.exited).toBe(0);
    expect(await fleet.running()).toEqual([buildB]);

    // Nothing stranded: no scan on this queue is still open.
    const open = await client.workflowService.countWorkflowExecutions({
      namespace: config.TEMPORAL_NAMESPACE,
      query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'`,
    });
    expect(Number(open.count)).toBe(0);
  }, 600_000);
});

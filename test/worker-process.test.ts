import { execFileSync } from 'node:child_process';
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
import { Collections } from '../common/contracts/scan-document';
import { progressQuery, submitReviewUpdate } from '../common/contracts/workflow-messages';
import { AuditRecordSchema } from '../common/scans/audit-log';
import { userRef } from '../common/scans/repository';
import { startDailyScan } from '../common/scans/start-scan';
import { freePort } from '../scripts/lib/ports';
import { pushData, startPushReceiver } from '../scripts/lib/push-receiver';
import { PUSH_SEND_LEASE_MS, pushMarkerRef } from '../worker/activities/notify';
import { writeWorkflowBundle } from '../worker/workflow-bundler';
import { seedLeanerScanYesterday, signedDecision } from './helpers/review';
import { newUserId, pushesFor, seedMember, seedUploadedScan } from './helpers/scan';
import { stackEnv, testConfig, uniqueTaskQueue } from './helpers/stack';
import { PROJECT_ROOT, spawnWorkerProcess } from './helpers/worker-process';

const firebase = createFirebase(testConfig(), `worker-process-${randomUUID()}`);
const blob = createBlobService(testConfig());
let client: Client;
// Prebuilt once, as the image builds it, for the crash tests: a worker started (or restarted after a kill)
// with it is polling in seconds, not after bundling the workflows from source at every start.
const bundleDir = mkdtempSync(path.join(os.tmpdir(), 'worker-process-'));
const bundlePath = path.join(bundleDir, 'workflow-bundle.js');
beforeAll(async () => {
  client = await createTemporalClient(testConfig());
  await writeWorkflowBundle(bundlePath, 'WARN');
});
afterAll(async () => {
  await client?.connection.close();
  await firebase.close();
  rmSync(bundleDir, { recursive: true, force: true });
});

const workerEnv = (taskQueue: string, extra: Record<string, string> = {}) => {
  const { PUSH_RECEIVER_LIST_URL: _, STACK_DATA_DIR: __, ...env } = stackEnv();
  return { ...env, TEMPORAL_TASK_QUEUE: taskQueue, WORKER_HEALTH_PORT: '0', LOG_LEVEL: 'warn', ...extra };
};

describe('worker process', () => {
  it('SIGKILLed mid-scan and started again: the scan completes with one results write and one push', async () => {
    const taskQueue = uniqueTaskQueue('kill');
    const config = testConfig({ TEMPORAL_TASK_QUEUE: taskQueue });
    const userId = newUserId();
    await seedMember(firebase.db, userId, { credits: 1 });
    // A previous scan yesterday that makes today's change implausible: the scan waits for review.
    await seedLeanerScanYesterday(firebase.db, userId);
    const scan = await seedUploadedScan(firebase, blob, config, { userId });
    const handle = client.workflow.getHandle(workflowIdForScan(scan.scanId));
    const env = workerEnv(taskQueue, { WORKER_WORKFLOW_BUNDLE_PATH: bundlePath });

    let worker = await spawnWorkerProcess(env);
    await startDailyScan(client, config, scan, taskQueue);
    for (let p = await handle.query(progressQuery); p.status !== 'awaiting_review'; p = await handle.query(progressQuery)) {
      await new Promise((r) => setTimeout(r, 100));
    }
    worker.proc.kill('SIGKILL');
    expect(await worker.exited).toBeNull();

    worker = await spawnWorkerProcess(env);
    await handle.executeUpdate(submitReviewUpdate, {
      args: [signedDecision(config, scan.scanId, 'approve')],
    });
    // Kill again straight after the decision, while persisting and notifying are under way.
    worker.proc.kill('SIGKILL');
    await worker.exited;
    worker = await spawnWorkerProcess(env);
    try {
      expect((await handle.result()).status).toBe('completed');
    } finally {
      worker.proc.kill('SIGTERM');
      await worker.exited;
    }
    const history = await userRef(firebase.db, userId).collection(Collections.scanHistory).get();
    expect(history.docs.map((d) => d.id).sort()).toEqual(['previous', scan.scanId].sort());
    const pushes = await pushesFor(stackEnv().PUSH_RECEIVER_LIST_URL!, scan.scanId);
    expect(pushes.map((p) => p.body.data.type)).toEqual(['scan_in_review', 'scan_completed']);
  }, 180_000);

  it('SIGKILLed while its push sits in a slow receiver: the member gets exactly one push, after the lease, and the audit says so', async () => {
    // Issue 13's delayed-push kill, with real processes. The first notify attempt has claimed the push
    // marker and its request sits in the receiver's delay when its worker dies; Temporal retries the
    // activity once its 30 s start-to-close timeout ends (the worker's death is seen no sooner, and the
    // marker's lease, PUSH_SEND_LEASE_MS, has run out by then), and the new worker sends it again.
    expect(PUSH_SEND_LEASE_MS).toBeLessThan(30_000);
    const receiver = await startPushReceiver(0, { delayMs: 3_000 });
    const taskQueue = uniqueTaskQueue('push-kill');
    const config = testConfig({ TEMPORAL_TASK_QUEUE: taskQueue });
    const env = workerEnv(taskQueue, {
      PUSH_TRANSPORT: 'webhook',
      PUSH_WEBHOOK_URL: receiver.url,
      PUSH_WEBHOOK_SECRET: receiver.secret,
      WORKER_WORKFLOW_BUNDLE_PATH: bundlePath,
    });
    const scan = await seedUploadedScan(firebase, blob, config);
    const handle = client.workflow.getHandle(workflowIdForScan(scan.scanId));
    const marker = pushMarkerRef(firebase.db, scan.scanId, 'completed');
    let worker = await spawnWorkerProcess(env);
    try {
      await startDailyScan(client, config, scan, taskQueue);
      await expect.poll(() => receiver.holding(), { timeout: 90_000, interval: 20 }).toBe(1);
      worker.proc.kill('SIGKILL');
      expect(await worker.exited).toBeNull();
      // Claimed, not sent: nothing accepted yet, and no audit record claims otherwise.
      expect((await marker.get()).data()).toMatchObject({ state: 'sending', attempts: 1 });
      expect(receiver.received).toHaveLength(0);

      worker = await spawnWorkerProcess(env);
      expect((await handle.result()).status).toBe('completed');
    } finally {
      worker.proc.kill('SIGTERM');
      await worker.exited;
      await receiver.close();
    }
    // The killed sender's delivery was never accepted; the retry's was, once; no replay was needed.
    expect(receiver.abandoned()).toBe(1);
    expect(receiver.repeats()).toBe(0);
    expect(receiver.received.map(pushData)).toEqual([{ scanId: scan.scanId, type: 'scan_completed' }]);
    expect((await marker.get()).data()).toMatchObject({ state: 'sent', attempts: 2, delivered: 1 });
    const audits = (await firebase.db.collection(Collections.auditLogs).where('scanId', '==', scan.scanId).get()).docs
      .map((d) => AuditRecordSchema.parse(d.data()))
      .filter((a) => a.action === 'member_notified');
    expect(audits).toHaveLength(1);
    const audit = audits[0]!;
    expect(audit).toMatchObject({ userId: scan.ownerId, outcome: 'sent.webhook', actor: 'system:worker' });
    // Written once the receiver had accepted the push, not when the first attempt claimed it.
    expect(Date.parse(audit.at)).toBeGreaterThanOrEqual(Date.parse(receiver.received[0]!.receivedAt));
  }, 180_000);

  it('the production build (compiled code, prebuilt bundle) processes a scan and stops gracefully on SIGTERM', async () => {
    execFileSync('bash', ['scripts/build.sh'], { cwd: PROJECT_ROOT, stdio: 'pipe', env: process.env });
    const taskQueue = uniqueTaskQueue('built');
    const config = testConfig({ TEMPORAL_TASK_QUEUE: taskQueue });
    const healthPort = await freePort();
    const worker = await spawnWorkerProcess(workerEnv(taskQueue, { WORKER_HEALTH_PORT: String(healthPort) }), [
      path.join('dist', 'worker', 'main.js'),
    ]);
    try {
      expect(worker.output()).toContain('prebuilt bundle');
      expect((await fetch(`http://127.0.0.1:${healthPort}/healthz`)).status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${healthPort}/readyz`)).status).toBe(200);
      const scan = await seedUploadedScan(firebase, blob, config);
      await startDailyScan(client, config, scan, taskQueue);
      expect((await client.workflow.getHandle(workflowIdForScan(scan.scanId)).result()).status).toBe('completed');
    } finally {
      worker.proc.kill('SIGTERM');
    }
    expect(await worker.exited).toBe(0);
  }, 240_000);
});

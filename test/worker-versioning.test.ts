import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createBlobService } from '../common/clients/blob';
import { createFirebase } from '../common/clients/firebase';
import { createTemporalClient } from '../common/clients/temporal';
import { workflowIdForScan } from '../common/contracts/scan';
import type { ScanDocument } from '../common/contracts/scan-document';
import { submitReviewUpdate } from '../common/contracts/workflow-messages';
import { scanRef } from '../common/scans/repository';
import { startDailyScan } from '../common/scans/start-scan';
import { becomeCurrentVersion } from '../worker/versioning';
import { seedLeanerScanYesterday, signedDecision } from './helpers/review';
import { newUserId, seedMember, seedUploadedScan, startTestWorker } from './helpers/scan';
import { testConfig, uniqueTaskQueue } from './helpers/stack';

// Issue 25: a scan finishes on the build that started it. Two builds of the worker (in this process, each
// its own worker and connection) on one task queue: scans parked at review on A, B made current, new scans
// on B, the parked ones approved after the switch finish on A and say so.

const taskQueue = uniqueTaskQueue('versioning');
const tag = randomUUID().slice(0, 8);
const configFor = (build: string, becomeCurrent: boolean) =>
  testConfig({
    TEMPORAL_TASK_QUEUE: taskQueue,
    REVIEW_TIMEOUT_SECONDS: '600',
    WORKER_BUILD_ID: build,
    WORKER_BECOME_CURRENT: String(becomeCurrent),
  });
const configA = configFor(`a-${tag}`, true);
// B is started beside A and promoted later, the way a rollout does.
const configB = configFor(`b-${tag}`, false);
const firebase = createFirebase(configA, `versioning-${tag}`);
const blob = createBlobService(configA);
const clientReady = createTemporalClient(configA);
afterAll(async () => {
  await (await clientReady).connection.close();
  await firebase.close();
});

const scanDoc = async (scanId: string) => (await scanRef(firebase.db, scanId).get()).data() as ScanDocument;
async function waitForStatus(scanId: string, status: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const doc = await scanDoc(scanId);
    if (doc.status === status) return doc;
    if (Date.now() > deadline) throw new Error(`scan did not reach ${status}; last ${doc.status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function startScan(flagged: boolean) {
  const client = await clientReady;
  const userId = newUserId();
  await seedMember(firebase.db, userId, { credits: 1 });
  // A far leaner scan yesterday makes today's an implausible change: it waits for a reviewer.
  if (flagged) await seedLeanerScanYesterday(firebase.db, userId, { leanMassKg: 75.4 });
  const scan = await seedUploadedScan(firebase, blob, configA, { userId });
  await startDailyScan(client, configA, scan, taskQueue);
  return { scanId: scan.scanId, handle: client.workflow.getHandle(workflowIdForScan(scan.scanId)) };
}

/** Retries while the server answers FAILED_PRECONDITION (9), for at most 30 s. */
async function untilAccepted(call: () => Promise<unknown>) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if ((err as { code?: number }).code !== 9 || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

describe('versioned workers', () => {
  it('scans parked on build A finish on A after B became current; new scans run on B', async () => {
    const client = await clientReady;
    const a = await startTestWorker(configA, firebase, blob, { taskQueue });
    let b: Awaited<ReturnType<typeof startTestWorker>> | undefined;
    try {
      const parked = [await startScan(true), await startScan(true)];
      for (const p of parked) await waitForStatus(p.scanId, 'awaiting_review');

      b = await startTestWorker(configB, firebase, blob, { taskQueue });
      // Promoted once Temporal has seen B poll the queue (the server refuses a version missing the current one's queues).
      await untilAccepted(() => becomeCurrentVersion(client.connection, configB, taskQueue));

      const fresh = await startScan(false);
      expect(await fresh.handle.result()).toMatchObject({ status: 'completed' });
      expect((await scanDoc(fresh.scanId)).results?.provenance?.buildId).toBe(configB.WORKER_BUILD_ID);

      for (const p of parked) {
        const scanId = p.handle.workflowId.replace(/^daily-scan-/, '');
        await p.handle.executeUpdate(submitReviewUpdate, {
          args: [signedDecision(configA, scanId, 'approve', { notes: 'checked', reviewerId: 'reviewer_versioning' })],
        });
      }
      for (const p of parked) {
        expect(await p.handle.result()).toMatchObject({ status: 'completed' });
        expect((await scanDoc(p.scanId)).results?.provenance?.buildId).toBe(configA.WORKER_BUILD_ID);
      }
    } finally {
      await b?.stop();
      await a.stop();
    }
  });
});

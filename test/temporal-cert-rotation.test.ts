import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
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
import { userRef } from '../common/scans/repository';
import { startDailyScan } from '../common/scans/start-scan';
import type { LocalHost } from '../functions/local-host';
import { mtlsClientSettings } from '../scripts/lib/local-stack';
import { api, startFunctionsHost } from './helpers/http';
import { seedLeanerScanYesterday, signedDecision } from './helpers/review';
import { newUserId, pushesArrived, seedMember, seedUploadedScan } from './helpers/scan';
import { stackEnv, testConfig, uniqueTaskQueue } from './helpers/stack';
import { spawnWorkerProcess } from './helpers/worker-process';

// The client certificate is replaced mid-run (a new version in place of the old): the worker picks it up
// without a restart (new connection first, then the old worker drains), and every running scan completes
// exactly once. The mTLS peer logs each call's client certificate subject, so the switch is observable.

const certDir = () => stackEnv().TEMPORAL_MTLS_CERT_DIR!;
const accessLog = () => path.join(stackEnv().STACK_DATA_DIR!, 'logs', 'mtls-peer-access.log');

describe('client certificate rotation without a restart', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'reddyfit-rotation-'));
  const certFile = path.join(dir, 'client.pem');
  const keyFile = path.join(dir, 'client.key');
  const taskQueue = uniqueTaskQueue('rotation');
  const settings = () => ({
    ...mtlsClientSettings(stackEnv()),
    TEMPORAL_TLS_CLIENT_CERT_PATH: certFile,
    TEMPORAL_TLS_CLIENT_KEY_PATH: keyFile,
    TEMPORAL_TLS_ROTATION_CHECK_SECONDS: '1',
    TEMPORAL_TASK_QUEUE: taskQueue,
  });
  const firebase = createFirebase(testConfig(), `rotation-${randomUUID()}`);
  const blob = createBlobService(testConfig());
  let client: Client;
  let worker: Awaited<ReturnType<typeof spawnWorkerProcess>>;
  let host: LocalHost;

  /** Puts a certificate and key in place the way a secret sync does: each file replaced whole. */
  function install(name: 'client' | 'client-rotated') {
    for (const [from, to] of [
      [`${name}.key`, keyFile],
      [`${name}.pem`, certFile],
    ] as const) {
      copyFileSync(path.join(certDir(), from), `${to}.new`);
      renameSync(`${to}.new`, to);
    }
  }

  beforeAll(async () => {
    install('client');
    const { PUSH_RECEIVER_LIST_URL: _, STACK_DATA_DIR: __, TEMPORAL_MTLS_ADDRESS: ___, TEMPORAL_MTLS_CERT_DIR: ____, ...env } = stackEnv();
    worker = await spawnWorkerProcess({ ...env, ...settings(), WORKER_HEALTH_PORT: '0', LOG_LEVEL: 'warn' });
    client = await createTemporalClient(testConfig(settings()));
    host = await startFunctionsHost(testConfig(settings()));
  });
  afterAll(async () => {
    await host?.close();
    if (worker) {
      worker.proc.kill('SIGTERM');
      await worker.exited;
    }
    await client?.connection.close();
    await firebase.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a certificate replaced mid-run is used by the next connection, and every running scan completes once', async () => {
    const config = testConfig(settings());
    // Two scans held at the review gate (yesterday's scan makes today's change implausible).
    const scans = [];
    for (let i = 0; i < 2; i++) {
      const userId = newUserId();
      await seedMember(firebase.db, userId, { credits: 1 });
      await seedLeanerScanYesterday(firebase.db, userId);
      scans.push(await seedUploadedScan(firebase, blob, config, { userId }));
    }
    const handles = scans.map((s) => client.workflow.getHandle(workflowIdForScan(s.scanId)));
    for (const s of scans) await startDailyScan(client, config, s, taskQueue);
    for (const h of handles) {
      for (let p = await h.query(progressQuery); p.status !== 'awaiting_review'; p = await h.query(progressQuery)) {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    const rotatedAt = readFileSync(accessLog(), 'utf8').length;
    const functionsClientBefore = await host.deps.temporal();

    install('client-rotated');
    for (const end = Date.now() + 60_000; !worker.output().includes('previous connection closed') && Date.now() < end; ) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(worker.output()).toContain('client certificate rotated');
    expect(worker.output()).toContain('previous connection closed');
    expect(worker.proc.exitCode).toBeNull(); // no restart

    // The Functions app's next call gets a client on the new certificate, and it works.
    await new Promise((r) => setTimeout(r, 1100));
    const functionsClientAfter = await host.deps.temporal();
    expect(functionsClientAfter).not.toBe(functionsClientBefore);
    const health = await api(host, '/api/health');
    expect(health.json.checks.temporal.ok).toBe(true);

    for (const h of handles) {
      await h.executeUpdate(submitReviewUpdate, { args: [signedDecision(config, h.workflowId.replace(/^daily-scan-/, ''), 'approve')] });
    }
    for (const h of handles) expect((await h.result()).status).toBe('completed');

    // Exactly once: one results entry and one completion push per scan.
    for (const s of scans) {
      const history = await userRef(firebase.db, s.ownerId).collection(Collections.scanHistory).get();
      expect(history.docs.map((d) => d.id).sort()).toEqual(['previous', s.scanId].sort());
      // They waited at the review gate: one in-review push, then one completion push.
      const pushes = await pushesArrived(stackEnv().PUSH_RECEIVER_LIST_URL!, s.scanId, 2);
      expect(pushes.map((p) => p.body.data.type)).toEqual(['scan_in_review', 'scan_completed']);
    }
    // After the switch the worker polls with the new certificate.
    const after = readFileSync(accessLog(), 'utf8').slice(rotatedAt).split('\n');
    const polls = after.filter((l) => l.includes('PollWorkflowTaskQueue') || l.includes('PollActivityTaskQueue'));
    expect(polls.some((l) => l.includes('CN=reddyfit-worker-rotated'))).toBe(true);
  }, 180_000);
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBlobService } from '../common/clients/blob';
import { createFirebase } from '../common/clients/firebase';
import { Collections } from '../common/contracts/scan-document';
import { workflowIdForScan } from '../common/contracts/scan';
import { userRef } from '../common/scans/repository';
import { createTemporalClient } from '../common/clients/temporal';
import { maybeRecordHistory } from './helpers/history';
import type { LocalHost } from '../functions/local-host';
import { idTokenFor } from './helpers/auth';
import { api, startFunctionsHost } from './helpers/http';
import { measurements, newUserId, pushesArrived, pushesFor, samplePhotos, seedMember, startTestWorker } from './helpers/scan';
import { stackEnv, testConfig, uniqueTaskQueue } from './helpers/stack';

// The review gate and consent revocation through HTTP, against a scan really waiting at the gate.
describe('functions: review and revocation reach the running workflow', () => {
  const taskQueue = uniqueTaskQueue('fn-review');
  const config = testConfig({ TEMPORAL_TASK_QUEUE: taskQueue });
  const firebase = createFirebase(config, `fn-review-${randomUUID()}`);
  const blob = createBlobService(config);
  let host: LocalHost;
  let worker: Awaited<ReturnType<typeof startTestWorker>>;

  beforeAll(async () => {
    worker = await startTestWorker(config, firebase, blob, { taskQueue });
    host = await startFunctionsHost(config);
  });
  afterAll(async () => {
    await host?.close();
    await worker?.stop();
    await firebase.close();
  });

  /** A member whose scan yesterday was far leaner: today's change is implausible and goes to review. */
  async function flaggedScanWaitingForReview() {
    const uid = newUserId();
    await seedMember(firebase.db, uid, { credits: 1 });
    await userRef(firebase.db, uid)
      .collection(Collections.scanHistory)
      .doc('previous')
      .set({
        scanId: 'previous',
        takenAt: new Date(Date.now() - 86_400_000).toISOString(),
        bodyFatPercent: 8,
        weightKg: 82,
      });
    const token = await idTokenFor(firebase.auth, config, uid);
    const created = await api(host, '/api/scans', { method: 'POST', token, json: measurements() });
    expect(created.status, created.text).toBe(201);
    const photos = await samplePhotos();
    for (const u of created.json.uploads) {
      expect((await fetch(u.url, { method: 'PUT', headers: u.headers, body: photos[u.angle as keyof typeof photos] })).status).toBe(201);
    }
    const scanId: string = created.json.scanId;
    for (const end = Date.now() + 60_000; ; await new Promise((r) => setTimeout(r, 200))) {
      const status = await api(host, `/api/scans/${scanId}`, { token });
      if (status.json?.status === 'awaiting_review') break;
      if (Date.now() > end) throw new Error(`scan never waited for review: ${status.text}`);
    }
    return { uid, token, scanId };
  }

  async function finalStatus(scanId: string, token: string) {
    for (const end = Date.now() + 60_000; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
      const res = await api(host, `/api/scans/${scanId}`, { token });
      if (res.status !== 202) return res;
    }
    throw new Error('scan did not finish');
  }

  it('a reviewer approves over HTTP; the member then gets results; a second decision is 410', async () => {
    const { token, scanId } = await flaggedScanWaitingForReview();
    const reviewerToken = await idTokenFor(firebase.auth, config, `reviewer_${randomUUID().slice(0, 8)}`, { reviewer: true });

    const asMember = await api(host, `/api/scans/${scanId}/review`, { method: 'POST', token, json: { decision: 'approve' } });
    expect(asMember.status).toBe(403);
    const approved = await api(host, `/api/scans/${scanId}/review`, {
      method: 'POST',
      token: reviewerToken,
      json: { decision: 'approve', notes: 'photos fine' },
    });
    expect(approved.status, approved.text).toBe(200);

    const done = await finalStatus(scanId, token);
    expect(done.status).toBe(200);
    expect(done.json.results.review).toMatchObject({ required: true, outcome: 'approved', reasons: ['implausible_change'] });
    const again = await api(host, `/api/scans/${scanId}/review`, { method: 'POST', token: reviewerToken, json: { decision: 'reject' } });
    expect(again.status).toBe(410);
  });

  it('a reviewer rejects over HTTP: no results, the credit comes back, the member is told', async () => {
    const { uid, token, scanId } = await flaggedScanWaitingForReview();
    const reviewerToken = await idTokenFor(firebase.auth, config, `reviewer_${randomUUID().slice(0, 8)}`, { reviewer: true });
    expect(
      (await api(host, `/api/scans/${scanId}/review`, { method: 'POST', token: reviewerToken, json: { decision: 'reject' } })).status,
    ).toBe(200);
    const done = await finalStatus(scanId, token);
    expect(done.json.code).toBe('review_rejected');
    expect(done.json.results).toBeUndefined();
    expect((await userRef(firebase.db, uid).get()).data()?.scanCredits).toBe(1);
    expect((await pushesArrived(stackEnv().PUSH_RECEIVER_LIST_URL!, scanId, 2)).map((p) => p.body.data.type)).toEqual([
      'scan_in_review',
      'scan_rejected',
    ]);
  });

  it('revoking scan_analysis consent stops a running scan at its next step and refunds the credit', async () => {
    const { uid, token, scanId } = await flaggedScanWaitingForReview();
    const revoked = await api(host, '/api/consents/scan_analysis', {
      method: 'PUT',
      token,
      json: { status: 'revoked', version: '2026-01' },
    });
    expect(revoked.status, revoked.text).toBe(200);
    const done = await finalStatus(scanId, token);
    expect(done.json.code).toBe('consent_required');
    expect(done.json.results).toBeUndefined();
    expect((await userRef(firebase.db, uid).get()).data()?.scanCredits).toBe(1);
    // No new scan either, until consent is granted again.
    const refused = await api(host, '/api/scans', { method: 'POST', token, json: measurements() });
    expect(refused.status).toBe(403);
    expect(refused.json.code).toBe('consent_required');
    const client = await createTemporalClient(config);
    await maybeRecordHistory(client.workflow.getHandle(workflowIdForScan(scanId)), 'consent-revoked-signal');
    await client.connection.close();
  });
});

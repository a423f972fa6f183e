import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { workflowIdForScan } from '../common/contracts/scan';
import { userRef } from '../common/scans/repository';
import { staffIdTokenFor } from './helpers/auth';
import { maybeRecordHistory } from './helpers/history';
import { api } from './helpers/http';
import { flaggedScanWaitingForReview } from './helpers/review';
import { measurements, pushesArrived, scanWorkerSuite } from './helpers/scan';
import { stackEnv, testConfig, uniqueTaskQueue } from './helpers/stack';

// The review gate and consent revocation through HTTP, against a scan really waiting at the gate.
describe('functions: review and revocation reach the running workflow', () => {
  const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueTaskQueue('fn-review') });
  const suite = scanWorkerSuite('fn-review', () => config, { host: {} });
  const { firebase } = suite;

  async function finalStatus(scanId: string, token: string) {
    for (const end = Date.now() + 60_000; Date.now() < end; await new Promise((r) => setTimeout(r, 200))) {
      const res = await api(suite.host, `/api/scans/${scanId}`, { token });
      if (res.status !== 202) return res;
    }
    throw new Error('scan did not finish');
  }

  it('a reviewer approves over HTTP; the member then gets results; a second decision is 410', async () => {
    const { token, scanId } = await flaggedScanWaitingForReview(suite.host, firebase, config);
    const reviewerToken = await staffIdTokenFor(firebase.auth, config, `reviewer_${randomUUID().slice(0, 8)}`, { reviewer: true });

    const asMember = await api(suite.host, `/api/scans/${scanId}/review`, { method: 'POST', token, json: { decision: 'approve' } });
    expect(asMember.status).toBe(403);
    const approved = await api(suite.host, `/api/scans/${scanId}/review`, {
      method: 'POST',
      token: reviewerToken,
      json: { decision: 'approve', notes: 'photos fine' },
    });
    expect(approved.status, approved.text).toBe(200);

    const done = await finalStatus(scanId, token);
    expect(done.status).toBe(200);
    expect(done.json.results.review).toMatchObject({ required: true, outcome: 'approved', reasons: ['implausible_change'] });
    const again = await api(suite.host, `/api/scans/${scanId}/review`, {
      method: 'POST',
      token: reviewerToken,
      json: { decision: 'reject' },
    });
    expect(again.status).toBe(410);
  });

  it('a reviewer rejects over HTTP: no results, the credit comes back, the member is told', async () => {
    const { uid, token, scanId } = await flaggedScanWaitingForReview(suite.host, firebase, config);
    const reviewerToken = await staffIdTokenFor(firebase.auth, config, `reviewer_${randomUUID().slice(0, 8)}`, { reviewer: true });
    expect(
      (await api(suite.host, `/api/scans/${scanId}/review`, { method: 'POST', token: reviewerToken, json: { decision: 'reject' } })).status,
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
    const { uid, token, scanId } = await flaggedScanWaitingForReview(suite.host, firebase, config);
    const revoked = await api(suite.host, '/api/consents/scan_analysis', {
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
    const refused = await api(suite.host, '/api/scans', { method: 'POST', token, json: measurements() });
    expect(refused.status).toBe(403);
    expect(refused.json.code).toBe('consent_required');
    await maybeRecordHistory(suite.client.workflow.getHandle(workflowIdForScan(scanId)), 'consent-revoked-signal');
  });
});

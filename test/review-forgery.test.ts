import { randomBytes, randomUUID } from 'node:crypto';
import { Client, type WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { type ReviewDecision, type ReviewVerdict, workflowIdForScan } from '../common/contracts/scan';
import { Collections } from '../common/contracts/scan-document';
import { submitReviewUpdate } from '../common/contracts/workflow-messages';
import { scanRef } from '../common/scans/repository';
import { signReviewDecision } from '../common/scans/review-signature';
import { payloadDataConverter } from '../common/temporal/payload-encryption';
import { staffIdTokenFor } from './helpers/auth';
import { api } from './helpers/http';
import { flaggedScanWaitingForReview } from './helpers/review';
import { scanWorkerSuite } from './helpers/scan';
import { testConfig, uniqueTaskQueue } from './helpers/stack';

// Temporal is not a way around the API. The attacker holds a Temporal credential for the namespace (write
// access) and goes straight to a scan waiting for review, through the same door: a Temporal client. Without
// the payload key their plaintext is refused; with it, a decision they sign themselves is refused by the
// worker; a real decision they captured is refused for any other scan and never applies twice. Each time
// the scan keeps waiting, the refusal is audited, and the reviewer's real decision through the API still works.
describe('Temporal is not a way around the API: forged and replayed review decisions', () => {
  const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueTaskQueue('forgery') });
  const suite = scanWorkerSuite('forgery', () => config, { host: {} });
  const { firebase } = suite;
  const reviewerId = `reviewer_${randomUUID().slice(0, 8)}`;

  const status = async (scanId: string) => (await scanRef(firebase.db, scanId).get()).data()?.status;
  const audits = async (scanId: string, action: string) =>
    (await firebase.db.collection(Collections.auditLogs).where('scanId', '==', scanId).get()).docs
      .map((d) => d.data())
      .filter((a) => a.action === action);
  /** The update's outcome: undefined when accepted, else the refusal's type (or the error's name). */
  const refusalOf = (handle: WorkflowHandle, decision: unknown) =>
    handle.executeUpdate(submitReviewUpdate, { args: [decision as ReviewDecision] }).then(
      () => undefined,
      (err: { name: string; cause?: { type?: string; message?: string } }) => err.cause?.type ?? err.cause?.message ?? err.name,
    );
  /** Sends a decision once the workflow is back at the gate: right after it refused one in leaveReview it may still be taking that in. */
  async function refusalAtGate(handle: WorkflowHandle, decision: unknown) {
    for (let attempt = 0; ; attempt++) {
      const refusal = await refusalOf(handle, decision);
      if (refusal !== 'not_awaiting_review' || attempt >= 50) return refusal;
    }
  }
  /** A reviewer deciding through the API, the one door a decision is meant to come through. */
  async function decideOverHttp(scanId: string, decision: ReviewVerdict) {
    const token = await staffIdTokenFor(firebase.auth, config, reviewerId, { reviewer: true });
    // Right after a refused decision the workflow may still be taking it in (409 not_awaiting_review): asked again.
    for (let attempt = 0; ; attempt++) {
      const res = await api(suite.host, `/api/scans/${scanId}/review`, { method: 'POST', token, json: { decision } });
      if (res.status !== 409 || attempt >= 50) return res;
    }
  }
  /** The signed decision a scan's history holds (what an attacker with the payload key can read there). */
  async function capturedDecision(scanId: string): Promise<ReviewDecision> {
    const history = await suite.client.workflow.getHandle(workflowIdForScan(scanId)).fetchHistory();
    const accepted = history.events!.find((e) => e.workflowExecutionUpdateAcceptedEventAttributes)!;
    const [payload] = accepted.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest!.input!.args!.payloads!;
    const [plain] = await payloadDataConverter(config).payloadCodecs[0]!.decode([payload!]);
    return JSON.parse(Buffer.from(plain!.data!).toString('utf8')) as ReviewDecision;
  }

  let decidedScan: string;

  it('a client without the payload key sends a plaintext decision: refused and audited, the scan keeps waiting and the real decision works', async () => {
    const { scanId, uid } = await flaggedScanWaitingForReview(suite.host, firebase, config);
    // Temporal's default data converter: plaintext JSON, no key.
    const attacker = new Client({ connection: suite.client.connection, namespace: config.TEMPORAL_NAMESPACE });
    const plaintext = { decision: 'approve', reviewerId, reviewerRoles: ['reviewer'], notes: 'looks fine' };
    expect(await refusalOf(attacker.workflow.getHandle(workflowIdForScan(scanId)), plaintext)).toBeDefined();
    expect(await status(scanId)).toBe('awaiting_review');
    await expect
      .poll(() => audits(scanId, 'unencrypted_payload_refused'), { timeout: 15_000 })
      .toEqual([
        expect.objectContaining({
          userId: uid,
          actor: 'system:worker',
          subject: expect.objectContaining({ workflowId: workflowIdForScan(scanId) }),
        }),
      ]);
    expect(await audits(scanId, 'review_decided')).toEqual([]);

    // The workflow is not held up: the reviewer's decision through the API is taken.
    const approved = await decideOverHttp(scanId, 'approve');
    expect(approved.status, approved.text).toBe(200);
    await suite.client.workflow.getHandle(workflowIdForScan(scanId)).result();
    expect(await audits(scanId, 'review_decided')).toEqual([expect.objectContaining({ actor: `reviewer:${reviewerId}` })]);
    decidedScan = scanId;
  });

  it('a captured valid decision replayed to another scan, or to its own again, is refused; the other scan keeps waiting', async () => {
    const captured = await capturedDecision(decidedScan);
    expect(captured).toMatchObject({ scanId: decidedScan, reviewerId, decision: 'approve', signature: expect.any(String) });
    const { scanId, uid } = await flaggedScanWaitingForReview(suite.host, firebase, config);
    const handle = suite.client.workflow.getHandle(workflowIdForScan(scanId));

    // The attacker holds the payload key too: the replay reaches the workflow, whose validator refuses it.
    expect(await refusalOf(handle, captured)).toBe('review_decision_invalid');
    // Re-addressed to this scan: the validator cannot tell (it has no key), so it is accepted into the history,
    // and the worker refuses it before it applies: the signature covers the scan it was made for.
    expect(await refusalOf(handle, { ...captured, scanId })).toBeUndefined();
    await expect
      .poll(() => audits(scanId, 'review_decision_refused'), { timeout: 15_000 })
      .toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            userId: uid,
            outcome: 'review_decision_invalid',
            subject: expect.objectContaining({ decisionId: captured.decisionId }),
          }),
          expect.objectContaining({
            userId: uid,
            outcome: 'signature_invalid',
            subject: expect.objectContaining({ claimedReviewer: reviewerId }),
          }),
        ]),
      );
    expect(await status(scanId)).toBe('awaiting_review');
    // Its own scan has finished: the replay cannot be delivered at all.
    expect(await refusalOf(suite.client.workflow.getHandle(workflowIdForScan(decidedScan)), captured)).toBeDefined();

    // A decision signed with any key but the functions app's: accepted into the history, refused before it applies.
    const forged = signReviewDecision(
      randomBytes(32),
      { decision: 'approve', reviewerId, reviewerRoles: ['reviewer'], scanId },
      new Date(),
    );
    expect(await refusalAtGate(handle, forged)).toBeUndefined();
    // Sent again while the workflow was still taking in the last refusal, it was refused at the gate too
    // (not_awaiting_review, audited as well): the refusal this checks is the one for the decision itself.
    await expect
      .poll(
        async () =>
          (await audits(scanId, 'review_decision_refused')).filter(
            (a) => a.subject?.decisionId === forged.decisionId && a.outcome !== 'not_awaiting_review',
          ),
        { timeout: 15_000 },
      )
      .toEqual([expect.objectContaining({ outcome: 'signature_invalid', actor: 'system:worker' })]);
    expect(await status(scanId)).toBe('awaiting_review');
    expect(await audits(scanId, 'review_decided')).toEqual([]);

    // The reviewer's decision through the API still decides the scan.
    const rejected = await decideOverHttp(scanId, 'reject');
    expect(rejected.status, rejected.text).toBe(200);
    expect((await handle.result()).status).toBe('rejected');
    expect(await audits(scanId, 'review_decided')).toEqual([
      expect.objectContaining({ outcome: 'reject', actor: `reviewer:${reviewerId}` }),
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import type { ScanDocument } from '../common/contracts/scan-document';
import { consentRevokedSignal } from '../common/contracts/workflow-messages';
import { scanRef, userRef } from '../common/scans/repository';
import { startDailyScan } from '../common/scans/start-scan';
import { idTokenFor } from './helpers/auth';
import { functionsSuite } from './helpers/functions-suite';
import { api } from './helpers/http';
import { measurements, newUserId, seedMember } from './helpers/scan';

// Revoking consent reaches every open scan whatever its document status. No worker polls this task
// queue, so a started workflow stays "just started" for as long as the test needs.
describe('functions: consent revocation reaches every open scan', () => {
  const suite = functionsSuite('fn-revoke');
  const { config, firebase } = suite;

  async function memberWithScan() {
    const uid = newUserId();
    await seedMember(firebase.db, uid, { credits: 1 });
    const token = await idTokenFor(firebase.auth, config, uid);
    const created = await api(suite.host, '/api/scans', { method: 'POST', token, json: measurements() });
    expect(created.status, created.text).toBe(201);
    const scan = (await scanRef(firebase.db, created.json.scanId).get()).data() as ScanDocument;
    return { uid, token, scan };
  }
  const revoke = (token: string) =>
    api(suite.host, '/api/consents/scan_analysis', { method: 'PUT', token, json: { status: 'revoked', version: '2026-01' } });

  it('a scan without a workflow ends failed / consent_required, refunded', async () => {
    const { uid, token, scan } = await memberWithScan();
    expect((await userRef(firebase.db, uid).get()).data()?.scanCredits).toBe(0);
    expect((await revoke(token)).status).toBe(200);
    const ended = (await scanRef(firebase.db, scan.scanId).get()).data();
    expect(ended).toMatchObject({ status: 'failed', error: { code: 'consent_required' }, credit: { state: 'refunded' } });
    expect((await userRef(firebase.db, uid).get()).data()?.scanCredits).toBe(1);
    const status = await api(suite.host, `/api/scans/${scan.scanId}`, { token });
    expect({ status: status.status, code: status.json.code }).toEqual({ status: 422, code: 'consent_required' });
  });

  it('a workflow that has just started, its document still awaiting upload, gets the signal', async () => {
    const { token, scan } = await memberWithScan();
    await startDailyScan(suite.client, config, scan);
    expect((await scanRef(firebase.db, scan.scanId).get()).data()?.status).toBe('awaiting_upload');
    try {
      expect((await revoke(token)).status).toBe(200);
      const history = await suite.client.workflow.getHandle(scan.workflowId).fetchHistory();
      const signals = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes);
      expect(signals.map((e) => e.workflowExecutionSignaledEventAttributes?.signalName)).toEqual([consentRevokedSignal.name]);
      // The document is left to the workflow, which ends it (and refunds) when it runs.
      expect((await scanRef(firebase.db, scan.scanId).get()).data()?.status).toBe('awaiting_upload');
    } finally {
      await suite.client.workflow.getHandle(scan.workflowId).terminate('test cleanup');
    }
  });
});

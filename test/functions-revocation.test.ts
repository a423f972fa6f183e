import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFirebase } from '../common/clients/firebase';
import { createTemporalClient } from '../common/clients/temporal';
import type { ScanDocument } from '../common/contracts/scan-document';
import { consentRevokedSignal } from '../common/contracts/workflow-messages';
import { scanRef, userRef } from '../common/scans/repository';
import { startDailyScan } from '../common/scans/start-scan';
import type { LocalHost } from '../functions/local-host';
import { idTokenFor } from './helpers/auth';
import { api, startFunctionsHost } from './helpers/http';
import { measurements, newUserId, seedMember } from './helpers/scan';
import { testConfig, uniqueTaskQueue } from './helpers/stack';

// Revoking consent reaches every open scan whatever its document status. No worker polls this task
// queue, so a started workflow stays "just started" for as long as the test needs.
describe('functions: consent revocation reaches every open scan', () => {
  const taskQueue = uniqueTaskQueue('fn-revoke');
  const config = testConfig({ TEMPORAL_TASK_QUEUE: taskQueue });
  const firebase = createFirebase(config, `fn-revoke-${randomUUID()}`);
  let host: LocalHost;
  let client: Client;

  beforeAll(async () => {
    client = await createTemporalClient(config);
    host = await startFunctionsHost(config);
  });
  afterAll(async () => {
    await host?.close();
    await client?.connection.close();
    await firebase.close();
  });

  async function memberWithScan() {
    const uid = newUserId();
    await seedMember(firebase.db, uid, { credits: 1 });
    const token = await idTokenFor(firebase.auth, config, uid);
    const created = await api(host, '/api/scans', { method: 'POST', token, json: measurements() });
    expect(created.status, created.text).toBe(201);
    const scan = (await scanRef(firebase.db, created.json.scanId).get()).data() as ScanDocument;
    return { uid, token, scan };
  }
  const revoke = (token: string) =>
    api(host, '/api/consents/scan_analysis', { method: 'PUT', token, json: { status: 'revoked', version: '2026-01' } });

  it('a scan without a workflow ends failed / consent_required, refunded', async () => {
    const { uid, token, scan } = await memberWithScan();
    expect((await userRef(firebase.db, uid).get()).data()?.scanCredits).toBe(0);
    expect((await revoke(token)).status).toBe(200);
    const ended = (await scanRef(firebase.db, scan.scanId).get()).data();
    expect(ended).toMatchObject({ status: 'failed', error: { code: 'consent_required' }, credit: { state: 'refunded' } });
    expect((await userRef(firebase.db, uid).get()).data()?.scanCredits).toBe(1);
    const status = await api(host, `/api/scans/${scan.scanId}`, { token });
    expect({ status: status.status, code: status.json.code }).toEqual({ status: 422, code: 'consent_required' });
  });

  it('a workflow that has just started, its document still awaiting upload, gets the signal', async () => {
    const { token, scan } = await memberWithScan();
    await startDailyScan(client, config, scan);
    expect((await scanRef(firebase.db, scan.scanId).get()).data()?.status).toBe('awaiting_upload');
    try {
      expect((await revoke(token)).status).toBe(200);
      const history = await client.workflow.getHandle(scan.workflowId).fetchHistory();
      const signals = (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes);
      expect(signals.map((e) => e.workflowExecutionSignaledEventAttributes?.signalName)).toEqual([consentRevokedSignal.name]);
      // The document is left to the workflow, which ends it (and refunds) when it runs.
      expect((await scanRef(firebase.db, scan.scanId).get()).data()?.status).toBe('awaiting_upload');
    } finally {
      await client.workflow.getHandle(scan.workflowId).terminate('test cleanup');
    }
  });
});

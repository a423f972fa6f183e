import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBlobService } from '../common/clients/blob';
import { createFirebase } from '../common/clients/firebase';
import { createTemporalClient } from '../common/clients/temporal';
import { workflowIdForScan } from '../common/contracts/scan';
import { Collections } from '../common/contracts/scan-document';
import { devicesCollection, registerDevice } from '../common/devices/repository';
import { AuditRecordSchema } from '../common/scans/audit-log';
import { startDailyScan } from '../common/scans/start-scan';
import type { AcceptedFcmMessage } from '../scripts/lib/fcm-stand-in';
import { PUSH_SEND_LEASE_MS, pushMarkerRef } from '../worker/activities/notify';
import { deviceRegistration, newInstallationId } from './helpers/devices';
import { fcmPushPath } from './helpers/fcm-worker';
import { newUserId, seedMember, seedUploadedScan } from './helpers/scan';
import { testConfig, uniqueTaskQueue } from './helpers/stack';

// The production push path end to end: the real worker process (PUSH_TRANSPORT=fcm) with firebase-admin's
// real messaging(), which trades its service-account grant for a token and sends FCM HTTP v1 messages
// over HTTP/2, to a stand-in of both Google endpoints (scripts/lib/fcm-stand-in.ts). Devices are
// registered the way PUT /api/me/devices/{installationId} registers them.

const firebase = createFirebase(testConfig(), `push-fcm-${randomUUID()}`);
const blob = createBlobService(testConfig());
const push = fcmPushPath('push-fcm');
let client: Client;

beforeAll(async () => {
  client = await createTemporalClient(testConfig());
});
afterAll(async () => {
  await client?.connection.close();
  await firebase.close();
});

/** A member with consent, a credit and `n` registered phones. */
async function memberWithDevices(n: number) {
  const userId = newUserId();
  await seedMember(firebase.db, userId, { credits: 1 });
  const devices: Array<{ installationId: string; token: string }> = [];
  for (let i = 0; i < n; i++) {
    const installationId = newInstallationId();
    const registration = { ...deviceRegistration(), platform: i % 2 === 0 ? ('android' as const) : ('ios' as const) };
    await registerDevice(firebase.db, userId, installationId, registration, new Date(Date.now() + i));
    devices.push({ installationId, token: registration.token });
  }
  return { userId, devices };
}

const messagesTo = (token: string) => push.fcm.accepted.filter((m) => m.token === token);
const forScan = (scanId: string) => push.fcm.accepted.filter((m) => m.message.data?.scanId === scanId);

/**
 * What a push may carry, field by field: the fixed wording, the outcome and the scan id, the collapse key.
 * Nothing else: no weight, body fat, age, photo or URL can sit in an allowed field.
 */
const ALLOWED_WORDING = new Set(['Your scan results are ready', 'Open the app to see your analysis.']);
function expectOnlyAllowedFields(m: AcceptedFcmMessage, scanId: string) {
  const collapseKey = `scan-${scanId}-completed`;
  expect(Object.keys(m.message).sort()).toEqual(['android', 'apns', 'data', 'notification', 'token']);
  expect(Object.keys(m.message.notification ?? {}).sort()).toEqual(['body', 'title']);
  expect(ALLOWED_WORDING.has(m.message.notification?.title ?? '')).toBe(true);
  expect(ALLOWED_WORDING.has(m.message.notification?.body ?? '')).toBe(true);
  expect(m.message.data).toEqual({ type: 'scan_completed', scanId });
  expect(m.message.android).toEqual({ collapse_key: collapseKey });
  expect(m.message.apns).toEqual({ headers: { 'apns-collapse-id': collapseKey } });
}

async function notifiedAudit(scanId: string) {
  const audits = (await firebase.db.collection(Collections.auditLogs).where('scanId', '==', scanId).get()).docs
    .map((d) => AuditRecordSchema.parse(d.data()))
    .filter((a) => a.action === 'member_notified');
  expect(audits).toHaveLength(1);
  return audits[0]!;
}

describe('push through FCM (HTTP v1 stand-in, real firebase-admin, real worker process)', () => {
  const taskQueue = uniqueTaskQueue('fcm');
  const config = () => testConfig({ TEMPORAL_TASK_QUEUE: taskQueue });
  push.workerForBlock(taskQueue);

  async function completedScan(userId: string) {
    const scan = await seedUploadedScan(firebase, blob, config(), { userId });
    await startDailyScan(client, config(), scan, taskQueue);
    expect((await client.workflow.getHandle(workflowIdForScan(scan.scanId)).result()).status).toBe('completed');
    return scan;
  }

  it('a completed scan: one message per registered device, only allow-listed fields, the collapse key and the scan id in data', async () => {
    const { userId, devices } = await memberWithDevices(3);
    const scan = await completedScan(userId);

    const messages = forScan(scan.scanId);
    expect(messages.map((m) => m.token).sort()).toEqual(devices.map((d) => d.token).sort());
    for (const m of messages) expectOnlyAllowedFields(m, scan.scanId);
    // The SDK signed its grant with the service account's key and sent with the token it got for it.
    expect(push.fcm.tokensIssued()).toBeGreaterThan(0);
    expect((await pushMarkerRef(firebase.db, scan.scanId, 'completed').get()).data()).toMatchObject({ state: 'sent', delivered: 3 });
    expect(await notifiedAudit(scan.scanId)).toMatchObject({ userId, outcome: 'sent.fcm', actor: 'system:worker' });
  });

  it('an UNREGISTERED answer removes that installation; the member’s other devices get theirs', async () => {
    const { userId, devices } = await memberWithDevices(3);
    const [kept, gone, alsoKept] = devices as [(typeof devices)[0], (typeof devices)[0], (typeof devices)[0]];
    push.fcm.answer(gone.token, { always: { kind: 'unregistered' } });
    const scan = await completedScan(userId);

    expect(messagesTo(kept.token)).toHaveLength(1);
    expect(messagesTo(alsoKept.token)).toHaveLength(1);
    expect(messagesTo(gone.token)).toHaveLength(0);
    expect(push.fcm.sends.filter((s) => s.token === gone.token).map((s) => s.status)).toEqual([404]);
    const installed = (await devicesCollection(firebase.db, userId).get()).docs.map((d) => d.id).sort();
    expect(installed).toEqual([kept.installationId, alsoKept.installationId].sort());
    expect((await pushMarkerRef(firebase.db, scan.scanId, 'completed').get()).data()).toMatchObject({ state: 'sent', delivered: 2 });
  });

  it('429 with Retry-After: the activity retries after it, to that device only', async () => {
    const { userId, devices } = await memberWithDevices(2);
    const [limited, fine] = devices as [(typeof devices)[0], (typeof devices)[0]];
    const retryAfterSeconds = 4;
    push.fcm.answer(limited.token, { next: [{ kind: 'quota', retryAfterSeconds }] });
    const scan = await completedScan(userId);

    const tries = push.fcm.sends.filter((s) => s.token === limited.token);
    expect(tries.map((s) => s.status)).toEqual([429, 200]);
    // Temporal's own backoff would have retried after 1 s; the activity asked for FCM's wait.
    expect(Date.parse(tries[1]!.at) - Date.parse(tries[0]!.at)).toBeGreaterThanOrEqual(retryAfterSeconds * 1000);
    // The device that took the first attempt's message is not sent it again.
    expect(messagesTo(fine.token)).toHaveLength(1);
    expect(messagesTo(limited.token)).toHaveLength(1);
    expect((await pushMarkerRef(firebase.db, scan.scanId, 'completed').get()).data()).toMatchObject({
      state: 'sent',
      attempts: 2,
      delivered: 2,
      acceptedBy: [fine.installationId],
    });
  });

  it('503 with Retry-After: firebase-admin retries in place, then the activity retries that device', async () => {
    const { userId, devices } = await memberWithDevices(2);
    const [unavailable, fine] = devices as [(typeof devices)[0], (typeof devices)[0]];
    // firebase-admin retries a 503 four times by itself (honouring Retry-After); the fifth 503 reaches us.
    const outage = Array.from({ length: 5 }, () => ({ kind: 'unavailable' as const, retryAfterSeconds: 1 }));
    push.fcm.answer(unavailable.token, { next: outage });
    const scan = await completedScan(userId);

    expect(push.fcm.sends.filter((s) => s.token === unavailable.token).map((s) => s.status)).toEqual([503, 503, 503, 503, 503, 200]);
    expect(messagesTo(fine.token)).toHaveLength(1);
    expect(messagesTo(unavailable.token)).toHaveLength(1);
    expect((await pushMarkerRef(firebase.db, scan.scanId, 'completed').get()).data()).toMatchObject({
      state: 'sent',
      attempts: 2,
      delivered: 2,
    });
  });
});

describe('a worker SIGKILLed after FCM accepted, before the marker is written', () => {
  it('each device gets at most one more copy, with the same collapse key (FCM has no idempotency key)', async () => {
    // FCM takes a message when its request arrives; the answer is held here, so the worker dies with every
    // device's message accepted and the marker still "sending". Temporal retries the activity when its
    // 30 s start-to-close timeout ends (the lease, PUSH_SEND_LEASE_MS, has run out by then), and the new
    // worker cannot know FCM took them: it sends again. The bound: one more copy per device per such
    // crash, collapsed on the phone by the collapse key.
    expect(PUSH_SEND_LEASE_MS).toBeLessThan(30_000);
    const taskQueue = uniqueTaskQueue('fcm-kill');
    const config = testConfig({ TEMPORAL_TASK_QUEUE: taskQueue });
    const { userId, devices } = await memberWithDevices(2);
    const scan = await seedUploadedScan(firebase, blob, config, { userId });
    const marker = pushMarkerRef(firebase.db, scan.scanId, 'completed');
    push.fcm.holdAnswersMs(120_000);
    let worker = await push.spawnWorker(taskQueue);
    try {
      await startDailyScan(client, config, scan, taskQueue);
      await expect.poll(() => push.fcm.holding(), { timeout: 90_000, interval: 20 }).toBe(devices.length);
      worker.proc.kill('SIGKILL');
      expect(await worker.exited).toBeNull();
      push.fcm.holdAnswersMs(0);
      expect(forScan(scan.scanId)).toHaveLength(devices.length); // accepted by FCM...
      expect((await marker.get()).data()).toMatchObject({ state: 'sending', attempts: 1, acceptedBy: [] }); // ...not known to us

      worker = await push.spawnWorker(taskQueue);
      expect((await client.workflow.getHandle(workflowIdForScan(scan.scanId)).result()).status).toBe('completed');
    } finally {
      push.fcm.holdAnswersMs(0);
      worker.proc.kill('SIGTERM');
      await worker.exited;
    }
    for (const d of devices) {
      const copies = messagesTo(d.token);
      expect(copies).toHaveLength(2); // the bound, reached: the first attempt's copy and the retry's
      expect(new Set(copies.map((c) => c.message.android?.collapse_key))).toEqual(new Set([`scan-${scan.scanId}-completed`]));
      expect(new Set(copies.map((c) => c.message.apns?.headers?.['apns-collapse-id']))).toEqual(new Set([`scan-${scan.scanId}-completed`]));
    }
    expect((await marker.get()).data()).toMatchObject({ state: 'sent', attempts: 2, delivered: 2 });
    expect(await notifiedAudit(scan.scanId)).toMatchObject({ userId, outcome: 'sent.fcm' });
  }, 180_000);
});

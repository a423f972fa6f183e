import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canMoveStatus, workflowIdForScan } from '../common/contracts/scan';
import { userRef } from '../common/scans/repository';
import { idTokenFor } from './helpers/auth';
import { deviceRegistration, newInstallationId } from './helpers/devices';
import { fcmPushPath } from './helpers/fcm-worker';
import { functionsSuite } from './helpers/functions-suite';
import { api } from './helpers/http';
import { measurements, newUserId, samplePhotos } from './helpers/scan';
import { openEventStream, type SseEvent } from './helpers/sse';

// The mobile app's whole path, as docs/api.md "Integrating the app" lists it, through the HTTP API alone:
// nothing of the member is written to Firestore here but the credit an operator grants. The production
// push path runs too: the worker is its own process with PUSH_TRANSPORT=fcm and firebase-admin's real
// messaging(), sending to the FCM stand-in (scripts/lib/fcm-stand-in.ts), which is where the phones'
// notifications are counted.

describe("the app's path: sign-in, consent, devices, create, upload, watch, push, results, erasure", () => {
  // Erasure sweeps the uploads one last time after the member's upload URLs expire: a minute here, not 15.
  const suite = functionsSuite('app-walk', { UPLOAD_URL_TTL_MINUTES: '1' }, { host: { pollIntervalMs: 100 } });
  const { config, taskQueue, firebase } = suite;
  const push = fcmPushPath('app-walk');
  push.workerForBlock(taskQueue);

  it('walks from sign-in to erasure, receiving one push per device', { timeout: 420_000 }, async () => {
    // What an operator does for a new member: a scan credit. Everything after is the app's own calls.
    const uid = newUserId();
    await userRef(firebase.db, uid).set({ scanCredits: 1 });

    // 1. Sign-in: a Firebase ID token.
    const token = await idTokenFor(firebase.auth, config, uid);

    // 2. Consent.
    expect((await api(suite.host, '/api/consents', { token })).json.items).toMatchObject([{ type: 'scan_analysis', status: 'not_set' }]);
    const consent = await api(suite.host, '/api/consents/scan_analysis', {
      method: 'PUT',
      token,
      json: { status: 'granted', version: '2026-01' },
    });
    expect(consent.status).toBe(200);

    // 3. Devices: the member's phone and tablet.
    const devices = [
      { installationId: newInstallationId(), ...deviceRegistration() },
      { installationId: newInstallationId(), ...deviceRegistration(), platform: 'android' as const },
    ];
    for (const { installationId, ...registration } of devices) {
      expect((await api(suite.host, `/api/me/devices/${installationId}`, { method: 'PUT', token, json: registration })).status).toBe(201);
    }
    expect((await api(suite.host, '/api/me/devices', { token })).json.items).toHaveLength(2);

    // 4. Create.
    const created = await api(suite.host, '/api/scans', {
      method: 'POST',
      token,
      json: measurements(),
      headers: { 'Idempotency-Key': `walk-${randomUUID()}` },
    });
    expect(created.status).toBe(201);
    const { scanId, uploads, statusUrl } = created.json;

    // 6. Watch, from before the upload: the stream is open while the scan runs.
    const stream = await openEventStream(suite.host, `/api/scans/${scanId}/events`, { token });
    expect(stream.status).toBe(200);
    expect(await stream.nextEvent()).toMatchObject({ event: 'status', data: { status: 'awaiting_upload' } });

    // 5. Upload through the upload URLs; the scan starts by itself once all four are there.
    const photos = await samplePhotos();
    for (const u of uploads as Array<{ angle: keyof typeof photos; url: string; headers: Record<string, string> }>) {
      expect((await fetch(u.url, { method: 'PUT', headers: u.headers, body: photos[u.angle] })).status).toBe(201);
    }

    // ...to the end: statuses only move forward, progress never goes back, and the last event says where the results are.
    const events: SseEvent[] = [];
    for (let e = await stream.nextEvent(); e; e = await stream.nextEvent()) events.push(e);
    const end = events.at(-1)!;
    expect(end).toEqual({ kind: 'event', event: 'end', id: expect.any(String), data: expect.objectContaining({ status: 'completed' }) });
    expect(end.data.resultsUrl).toBe(statusUrl);
    const live = events.slice(0, -1);
    expect(live.every((e) => e.event === 'status')).toBe(true);
    const statuses = live.map((e) => e.data.status);
    for (let i = 1; i < statuses.length; i++) {
      if (statuses[i] !== statuses[i - 1])
        expect(canMoveStatus(statuses[i - 1], statuses[i]), `${statuses[i - 1]} → ${statuses[i]}`).toBe(true);
    }
    const percents = live.map((e) => e.data.progress.percent);
    expect(percents).toEqual([...percents].sort((a, b) => a - b));
    expect(live.some((e) => e.data.status === 'running')).toBe(true);

    // 7. Push: once the run is over (the push follows the results), exactly one message per device.
    expect((await suite.client.workflow.getHandle(workflowIdForScan(scanId)).result()).status).toBe('completed');
    const pushes = push.fcm.accepted.filter((m) => m.message.data?.scanId === scanId);
    expect(pushes.map((m) => m.token).sort()).toEqual(devices.map((d) => d.token).sort());
    expect(pushes.every((m) => m.message.data?.type === 'scan_completed')).toBe(true);

    // 8. Results.
    const results = await api(suite.host, `/api/scans/${scanId}`, { token });
    expect(results.status).toBe(200);
    expect(results.json).toMatchObject({ scanId, status: 'completed' });
    expect(results.json.results.estimate).toBeDefined();

    // 9. Erasure: the member's data goes, the devices with it.
    const erase = await api(suite.host, '/api/me', { method: 'DELETE', token });
    expect(erase.status).toBe(202);
    await expect
      .poll(async () => (await api(suite.host, '/api/me/erasure', { token })).json.status, { timeout: 240_000, interval: 1000 })
      .toBe('completed');
    expect((await api(suite.host, '/api/me/devices', { token })).json.items).toEqual([]);
    expect((await api(suite.host, `/api/scans/${scanId}`, { token })).status).toBe(404);
  });
});

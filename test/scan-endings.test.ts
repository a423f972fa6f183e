import { randomUUID } from 'node:crypto';
import type { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBlobService, createDataBlobService } from '../common/clients/blob';
import { ANGLES, type Angle } from '../common/contracts/scan';
import { Collections, type ScanDocument } from '../common/contracts/scan-document';
import { createScanWithCredit, scanRef, userRef } from '../common/scans/repository';
import { createDeps } from '../functions/deps';
import { type LocalHost, startLocalHost } from '../functions/local-host';
import { finishPendingRetention, RECONCILE_GRACE_MS } from '../functions/scans/reconcile';
import { expireUpload } from '../functions/scans/start-when-ready';
import { makeNotAnImage } from '../scripts/lib/sample-photos';
import { idTokenFor } from './helpers/auth';
import { api } from './helpers/http';
import { measurements, newScanId, newUserId, samplePhotos, seedMember } from './helpers/scan';
import { testConfig, uniqueTaskQueue } from './helpers/stack';

// One way a scan ends (common/scans/scan-ending.ts): however a scan ends before its workflow (consent
// revoked, cancelled, a photo rejected at upload, the upload expired), its status, refund and audit
// record commit together, and its photos are handled after. Here the photo store fails once, right after
// that commit, as a crash between the two steps would leave it: the scan is ended and refunded, never
// failed with its credit still reserved; repeating the request changes nothing; the reconciliation
// timer's sweep finishes the photos; the credit comes back exactly once.
describe('one way a scan ends: a crash between the ending and its photo retention', () => {
  const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueTaskQueue('endings'), UPLOAD_EXPIRY_MINUTES: '120' });
  /** The private account's client, failing its next use once when armed: the photo store unreachable right after a commit. */
  const fault = { armed: false, tripped: 0 };
  const realDataBlob = createDataBlobService(config);
  const dataBlob = new Proxy(realDataBlob, {
    get(target, prop, receiver) {
      if (prop === 'getContainerClient') {
        return (name: string) => {
          if (fault.armed) {
            fault.armed = false;
            fault.tripped++;
            throw new Error('injected: the photo store is unreachable');
          }
          return target.getContainerClient(name);
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as BlobServiceClient;
  const deps = createDeps(config, { firebaseAppName: `endings-${randomUUID()}`, dataBlob });
  const uploads = createBlobService(config).getContainerClient(config.SCAN_UPLOADS_CONTAINER);
  let host: LocalHost;

  beforeAll(async () => {
    host = await startLocalHost({ config, port: 0, deps, timers: false, pollIntervalMs: 100, log: () => undefined });
  });
  afterAll(async () => {
    await host?.close();
    await deps.close();
  });

  const doc = async (scanId: string) => (await scanRef(deps.db, scanId).get()).data() as ScanDocument;
  const credits = async (uid: string) => Number((await userRef(deps.db, uid).get()).data()?.scanCredits);
  const audits = async (scanId: string) =>
    (await deps.db.collection(Collections.auditLogs).where('scanId', '==', scanId).get()).docs.map((d) => d.get('action')).sort();
  const uploadsLeft = async (scan: ScanDocument) => {
    const left: Angle[] = [];
    for (const a of ANGLES) if (await uploads.getBlockBlobClient(scan.photos[a]!).exists()) left.push(a);
    return left;
  };

  /** A member with one credit and a scan awaiting upload (credit reserved) with two photos uploaded: never started. */
  async function unstartedScan(opts: { createdAt?: Date; photos?: Partial<Record<Angle, Buffer>> } = {}) {
    const uid = newUserId();
    await seedMember(deps.db, uid, { credits: 1 });
    const scan = await createScanWithCredit(deps.db, {
      scanId: newScanId(),
      userId: uid,
      measurements: measurements(),
      now: opts.createdAt ?? new Date(),
    });
    const good = await samplePhotos();
    const photos = opts.photos ?? { front: good.front, back: good.back };
    for (const [angle, bytes] of Object.entries(photos) as Array<[Angle, Buffer]>) {
      await uploads.getBlockBlobClient(scan.photos[angle]!).uploadData(bytes, { blobHTTPHeaders: { blobContentType: 'image/jpeg' } });
    }
    expect(await credits(uid)).toBe(0);
    return { uid, scan, token: await idTokenFor(deps.auth, config, uid) };
  }

  /** Right after the crash: ended, refunded, audited in one commit; photos still to be handled. */
  async function endedButNotRetained(scan: ScanDocument, status: string, action: string) {
    const ended = await doc(scan.scanId);
    expect({ status: ended.status, credit: ended.credit.state, retentionPending: ended.retentionPending }).toEqual({
      status,
      credit: 'refunded',
      retentionPending: true,
    });
    expect(await credits(scan.ownerId)).toBe(1);
    expect(await audits(scan.scanId)).toEqual([action]);
    return ended;
  }

  /** The sweep (the reconciliation timer's, once the grace has passed) finishes the photos; the credit stays returned once. */
  async function sweptOnce(scan: ScanDocument, creditsAfter = 1) {
    const later = new Date(Date.now() + RECONCILE_GRACE_MS + 1000);
    expect(await finishPendingRetention(deps, new Date(Date.now() - 1))).not.toContain(scan.scanId); // within the grace: left alone
    expect(await finishPendingRetention(deps, later)).toContain(scan.scanId);
    const done = await doc(scan.scanId);
    expect({ photosDeleted: done.photosDeleted, retentionPending: done.retentionPending, credit: done.credit.state }).toEqual({
      photosDeleted: true,
      retentionPending: false,
      credit: 'refunded',
    });
    expect(await uploadsLeft(scan)).toEqual([]);
    expect(await finishPendingRetention(deps, later)).not.toContain(scan.scanId);
    expect(await credits(scan.ownerId)).toBe(creditsAfter);
  }

  it('consent revoked before start: 500 after the commit, a repeated revoke changes nothing, the sweep deletes the photos', async () => {
    const { uid, scan, token } = await unstartedScan();
    fault.armed = true;
    const revoke = () =>
      api(host, '/api/consents/scan_analysis', { method: 'PUT', token, json: { status: 'revoked', version: '2026-01' } });
    expect((await revoke()).status).toBe(500);
    expect(fault.tripped).toBe(1);
    await endedButNotRetained(scan, 'failed', 'consent_revoked_before_start');
    expect((await revoke()).status).toBe(200);
    expect(await credits(uid)).toBe(1);
    await sweptOnce(scan);
  });

  it('cancelled before start: 500 after the commit, a repeated cancel is 410, the sweep deletes the photos', async () => {
    const { scan, token } = await unstartedScan();
    fault.armed = true;
    const cancel = () => api(host, `/api/scans/${scan.scanId}/cancel`, { method: 'POST', token });
    expect((await cancel()).status).toBe(500);
    await endedButNotRetained(scan, 'cancelled', 'scan_cancel_requested');
    const again = await cancel();
    expect({ status: again.status, code: again.json.code }).toEqual({ status: 410, code: 'scan_finished' });
    await sweptOnce(scan);
  });

  it('rejected at upload: the trigger fails after the commit, its redelivery refunds nothing, the sweep deletes the photos', async () => {
    fault.armed = true;
    const tripped = fault.tripped;
    const { scan } = await unstartedScan({ photos: { front: makeNotAnImage() } });
    // The host's poller delivers the upload event; its first attempt crashes after the commit, its retry finds the scan ended.
    for (const end = Date.now() + 20_000; (await doc(scan.scanId)).status === 'awaiting_upload' && Date.now() < end; ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await host.idle();
    expect(fault.tripped).toBe(tripped + 1);
    await endedButNotRetained(scan, 'rejected', 'upload_rejected');
    await sweptOnce(scan);
  });

  it("upload expired (the reconciliation timer's step): fails after the commit; run again, it refunds nothing and deletes the photos", async () => {
    const { scan } = await unstartedScan({ createdAt: new Date(Date.now() - 3 * 3600_000) });
    fault.armed = true;
    await expect(expireUpload(deps, scan)).rejects.toThrow(/injected/);
    await endedButNotRetained(scan, 'cancelled', 'upload_expired');
    // The same ending again (the next timer run, or a retried one) only finishes the photos.
    expect(await expireUpload(deps, scan)).toEqual({ expired: false });
    const done = await doc(scan.scanId);
    expect({ photosDeleted: done.photosDeleted, retentionPending: done.retentionPending }).toEqual({
      photosDeleted: true,
      retentionPending: false,
    });
    expect(await uploadsLeft(scan)).toEqual([]);
    expect(await credits(scan.ownerId)).toBe(1);
    expect(await audits(scan.scanId)).toEqual(['upload_expired']);
  });

  it('upload expired (a new create): ended, refunded and audited in the create transaction; the sweep deletes the photos', async () => {
    const { uid, scan, token } = await unstartedScan({ createdAt: new Date(Date.now() - 3 * 3600_000) });
    const created = await api(host, '/api/scans', { method: 'POST', token, json: measurements() });
    expect(created.status, created.text).toBe(201);
    const ended = await doc(scan.scanId);
    expect({ status: ended.status, credit: ended.credit.state, retentionPending: ended.retentionPending }).toEqual({
      status: 'cancelled',
      credit: 'refunded',
      retentionPending: true,
    });
    expect(await audits(scan.scanId)).toEqual(['upload_expired']);
    expect(await credits(uid)).toBe(0); // the refunded credit paid for the new scan
    await sweptOnce(scan, 0);
  });
});

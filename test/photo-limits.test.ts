import { beforeAll, describe, expect, it } from 'vitest';
import { PHOTO_DIMENSIONS_TOO_LARGE } from '../common/contracts/failures';
import type { Angle } from '../common/contracts/scan';
import type { ScanDocument } from '../common/contracts/scan-document';
import { scanRef, userRef } from '../common/scans/repository';
import { startDailyScan } from '../common/scans/start-scan';
import type { LocalHost } from '../functions/local-host';
import { makeHugeSolidPng } from '../scripts/lib/sample-photos';
import { idTokenFor } from './helpers/auth';
import { functionsSuite } from './helpers/functions-suite';
import { api, countWorkflows, startFunctionsHost } from './helpers/http';
import { measurements, newUserId, samplePhotos, seedMember, seedUploadedScan, startTestWorker } from './helpers/scan';

// A decompression bomb: a 9,000 x 16,000 PNG (144 MP) in about 140 kB, far under MAX_PHOTO_BYTES.
// Decoded it would cost the worker seconds of CPU and about 144 MB per photo. It is refused from its
// header: at upload, before any workflow or credit; and by the worker, before it decodes any photo,
// when it reaches a sealed scan some other way.
describe('photo limits: a photo too large in pixels is refused from its header, never decoded', () => {
  const suite = functionsSuite('photo-limits', { REVIEW_MIN_CONFIDENCE: '0' }, { host: false });
  const { config, taskQueue, firebase, blob } = suite;
  let host: LocalHost;
  let bomb: Buffer;
  const reason =
    'The front photo is 9000 x 16000 pixels, larger than we accept (at most 40 megapixels and 12000 pixels on the longest side). ' +
    "Please take it with your camera's standard photo setting.";

  beforeAll(async () => {
    bomb = await makeHugeSolidPng(9000, 16000);
    expect(bomb.length).toBeLessThan(config.MAX_PHOTO_BYTES / 10);
  });

  const doc = async (scanId: string) => (await scanRef(firebase.db, scanId).get()).data() as ScanDocument;

  it('through the upload URL: refused at upload with the code, no workflow started, no credit spent', async () => {
    // The Functions host (API and upload trigger) for this test only: the next one must not have its upload check run.
    host = await startFunctionsHost(config, { pollIntervalMs: 100 });
    try {
      await uploadThroughTheUploadUrl();
    } finally {
      await host.close();
    }
  });

  async function uploadThroughTheUploadUrl() {
    const uid = newUserId();
    await seedMember(firebase.db, uid, { credits: 1 });
    const token = await idTokenFor(firebase.auth, config, uid);
    const created = await api(host, '/api/scans', { method: 'POST', token, json: measurements() });
    expect(created.status, created.text).toBe(201);
    const scanId: string = created.json.scanId;
    const good = await samplePhotos();
    for (const u of created.json.uploads as Array<{ angle: Angle; url: string; headers: Record<string, string> }>) {
      const front = u.angle === 'front';
      const put = await fetch(u.url, {
        method: 'PUT',
        headers: { ...u.headers, 'Content-Type': front ? 'image/png' : 'image/jpeg' },
        body: front ? bomb : good[u.angle],
      });
      expect(put.status, u.angle).toBe(201); // the upload URL itself takes any bytes: the check is what refuses
    }

    // Submitted by the app, or already rejected by the upload trigger that saw the last photo arrive:
    // either way the scan ends rejected at upload and GET names the photo and the code.
    const submit = await api(host, `/api/scans/${scanId}/submit`, { method: 'POST', token });
    if (submit.status === 422) expect(submit.json).toMatchObject({ code: 'photos_rejected' });
    else expect({ status: submit.status, scan: submit.json.status }).toEqual({ status: 202, scan: 'rejected' });
    await host.idle();

    const status = await api(host, `/api/scans/${scanId}`, { token });
    expect(status.status, status.text).toBe(422);
    expect(status.headers.get('content-type')).toBe('application/problem+json');
    expect(status.json).toMatchObject({ code: 'photos_rejected', scanStatus: 'rejected' });
    expect(status.json.scanError.details).toEqual([{ angle: 'front', code: PHOTO_DIMENSIONS_TOO_LARGE, reason }]);

    const scan = await doc(scanId);
    expect(scan.credit.state).toBe('refunded');
    expect((await userRef(firebase.db, uid).get()).data()?.scanCredits).toBe(1);
    expect(await countWorkflows(suite.client, taskQueue)).toBe(0);
  }

  it('sealed by hand past the upload check: the worker refuses it before decoding any photo, with the same reason', async () => {
    const scan = await seedUploadedScan(firebase, blob, config, { photos: { front: bomb } });
    await startDailyScan(suite.client, config, scan, taskQueue);
    const worker = await startTestWorker(config, firebase, blob, { taskQueue });
    try {
      await suite.client.workflow
        .getHandle(scan.workflowId)
        .result()
        .catch(() => undefined);
    } finally {
      await worker.stop();
    }
    expect(await countWorkflows(suite.client, taskQueue)).toBe(1); // this time the worker ran the scan
    const done = await doc(scan.scanId);
    // Decoded, this solid grey image would have been judged too blurry (as before the limit) or unreadable
    // (the decoder's own cap); the header check answers first, for this photo only.
    expect(done.status).toBe('rejected');
    expect(done.error?.code).toBe('photos_rejected');
    expect(done.error?.details).toEqual([{ angle: 'front', code: PHOTO_DIMENSIONS_TOO_LARGE, reason }]);
    expect(done.credit.state).toBe('refunded');
    expect((await userRef(firebase.db, scan.ownerId).get()).data()?.scanCredits).toBe(1);
  });
});

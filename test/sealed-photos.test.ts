import { createHash } from 'node:crypto';
import { InvocationContext } from '@azure/functions';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ANGLES, type Angle } from '../common/contracts/scan';
import type { ScanDocument } from '../common/contracts/scan-document';
import { createScanWithCredit, scanRef } from '../common/scans/repository';
import { PHOTOS_CHANGED } from '../common/scans/sealed-photos';
import { startDailyScan } from '../common/scans/start-scan';
import { uploadTrigger } from '../functions/handlers/upload-trigger';
import { makeNotAnImage, makeSamplePhoto } from '../scripts/lib/sample-photos';
import { idTokenFor } from './helpers/auth';
import { functionsSuite } from './helpers/functions-suite';
import { api } from './helpers/http';
import { measurements, newScanId, newUserId, samplePhotos, seedMember, seedUploadedScan, startTestWorker } from './helpers/scan';

// Sealed photos: once a scan is submitted, writes to its upload URLs (still valid: the SAS outlives the
// submit) change nothing that is analysed, kept or deleted. The worker starts only after the late writes,
// so without the seal the analysis would read them: the late bytes are not an image (or a good photo over
// a blurry one), and the outcome would differ.
describe('sealed photos: writes after submit change nothing', () => {
  const suite = functionsSuite('sealed', { REVIEW_MIN_CONFIDENCE: '0' }, { host: { pollIntervalMs: 100 } });
  const { config, taskQueue, firebase, blob } = suite;
  const uploads = blob.getContainerClient(config.SCAN_UPLOADS_CONTAINER);
  const sealed = blob.getContainerClient(config.SEALED_PHOTOS_CONTAINER);

  type Upload = { angle: Angle; url: string; headers: Record<string, string> };
  const doc = async (scanId: string) => (await scanRef(firebase.db, scanId).get()).data() as ScanDocument;
  const md5 = (b: Buffer) => createHash('md5').update(b).digest('base64');

  /** A member's scan created, uploaded through its SAS URLs and submitted over HTTP: queued, no worker yet. */
  async function submittedScan(photos: Record<Angle, Buffer>) {
    const uid = newUserId();
    await seedMember(firebase.db, uid, { credits: 1 });
    const token = await idTokenFor(firebase.auth, config, uid);
    const created = await api(suite.host, '/api/scans', { method: 'POST', token, json: measurements() });
    expect(created.status, created.text).toBe(201);
    const scanId: string = created.json.scanId;
    const urls: Upload[] = created.json.uploads;
    for (const u of urls) expect((await fetch(u.url, { method: 'PUT', headers: u.headers, body: photos[u.angle] })).status).toBe(201);
    const submit = await api(suite.host, `/api/scans/${scanId}/submit`, { method: 'POST', token });
    expect(submit.status, submit.text).toBe(202);
    expect((await doc(scanId)).status).toBe('queued');
    return { uid, token, scanId, urls };
  }

  /** Writes through the member's own upload URLs (as a replay, a buggy app or an attacker with the URL would). */
  async function lateWrite(urls: Upload[], body: (a: Angle) => Buffer, contentType = 'image/jpeg') {
    for (const u of urls) {
      const put = await fetch(u.url, { method: 'PUT', headers: { ...u.headers, 'content-type': contentType }, body: body(u.angle) });
      expect(put.status, `late write ${u.angle}`).toBe(201); // Azure accepts it too: the SAS is still valid
    }
  }

  /** The upload trigger (delivered by the host's poller) removes late writes: the upload location ends empty. */
  async function uploadsGone(scanId: string, uid: string) {
    for (const end = Date.now() + 20_000; ; await new Promise((r) => setTimeout(r, 100))) {
      const left = [];
      for await (const b of uploads.listBlobsFlat({ prefix: `${uid}/${scanId}/` })) left.push(b.name);
      if (left.length === 0) return true;
      if (Date.now() > end) return left;
    }
  }

  async function sealedMd5s(scan: ScanDocument) {
    const out: Partial<Record<Angle, string | null>> = {};
    for (const a of ANGLES) {
      const c = sealed.getBlockBlobClient(scan.photos[a]!);
      out[a] = (await c.exists()) ? md5(await c.downloadToBuffer()) : null;
    }
    return out;
  }

  async function finished(scanId: string) {
    for (const end = Date.now() + 90_000; Date.now() < end; await new Promise((r) => setTimeout(r, 250))) {
      const d = await doc(scanId);
      if (['completed', 'rejected', 'failed', 'cancelled'].includes(d.status) && (d.status !== 'completed' || d.results)) {
        await suite.client.workflow
          .getHandle(d.workflowId)
          .result()
          .catch(() => undefined);
        return doc(scanId);
      }
    }
    throw new Error(`scan ${scanId} did not finish`);
  }

  async function withWorker<T>(fn: () => Promise<T>): Promise<T> {
    const worker = await startTestWorker(config, firebase, blob, { taskQueue });
    try {
      return await fn();
    } finally {
      await worker.stop();
    }
  }

  it('completed: a late write before the analysis is not analysed, one after it changes no result and no kept photo', async () => {
    const good = await samplePhotos();
    const { uid, scanId, urls } = await submittedScan(good);
    const submitted = await doc(scanId);
    // Recorded at submit: the sealed copies' ETag and MD5, equal to the bytes the member uploaded.
    expect(Object.fromEntries(ANGLES.map((a) => [a, submitted.sealedPhotos?.[a]?.md5]))).toEqual(
      Object.fromEntries(ANGLES.map((a) => [a, md5(good[a])])),
    );

    await lateWrite(urls, () => makeNotAnImage(), 'text/html');
    expect(await uploadsGone(scanId, uid)).toBe(true);

    const done = await withWorker(() => finished(scanId));
    expect(done.status).toBe('completed');
    expect(done.results).toBeTruthy();

    await lateWrite(urls, (a) => good[a === 'front' ? 'back' : 'front']);
    expect(await uploadsGone(scanId, uid)).toBe(true);
    await suite.host.idle();
    const after = await doc(scanId);
    expect({ status: after.status, results: after.results, seals: after.sealedPhotos }).toEqual({
      status: 'completed',
      results: done.results,
      seals: submitted.sealedPhotos,
    });
    expect(await sealedMd5s(after)).toEqual(Object.fromEntries(ANGLES.map((a) => [a, md5(good[a])])));
  });

  it('rejected: a good photo written over a blurry one after submit is not analysed; deleted photos stay deleted', async () => {
    const photos = { ...(await samplePhotos()), front: await makeSamplePhoto('front', { variant: 'blurry' }) };
    const { uid, scanId, urls } = await submittedScan(photos);
    const good = await samplePhotos();

    await lateWrite(urls, (a) => good[a]);
    expect(await uploadsGone(scanId, uid)).toBe(true);

    const done = await withWorker(() => finished(scanId));
    expect(done.status).toBe('rejected');
    expect(done.error?.details?.map((d) => d.angle)).toEqual(['front']);
    expect(done.photosDeleted).toBe(true);

    await lateWrite(urls, (a) => good[a]);
    expect(await uploadsGone(scanId, uid)).toBe(true);
    await suite.host.idle();
    const after = await doc(scanId);
    expect({ status: after.status, error: after.error, photosDeleted: after.photosDeleted }).toEqual({
      status: 'rejected',
      error: done.error,
      photosDeleted: true,
    });
    expect(await sealedMd5s(after)).toEqual({ front: null, back: null, left: null, right: null });
  });

  it('cancelled: late writes before and after the cancel leave no photo behind and no result', async () => {
    const good = await samplePhotos();
    const { uid, token, scanId, urls } = await submittedScan(good);
    await lateWrite(urls, () => makeNotAnImage(), 'text/html');
    const cancel = await api(suite.host, `/api/scans/${scanId}/cancel`, { method: 'POST', token });
    expect(cancel.status, cancel.text).toBe(202);

    const done = await withWorker(() => finished(scanId));
    expect(done.status).toBe('cancelled');
    expect(done.results).toBeUndefined();
    expect(done.photosDeleted).toBe(true);

    await lateWrite(urls, (a) => good[a]);
    expect(await uploadsGone(scanId, uid)).toBe(true);
    await suite.host.idle();
    const after = await doc(scanId);
    expect({ status: after.status, results: after.results, photosDeleted: after.photosDeleted }).toEqual({
      status: 'cancelled',
      results: undefined,
      photosDeleted: true,
    });
    expect(await sealedMd5s(after)).toEqual({ front: null, back: null, left: null, right: null });
  });

  it('kept photos of a scan rejected at upload are sealed: oversized ones removed, a late write changes nothing', async () => {
    // The trigger as a host with a small size limit and retention 'keep' would run it (two valid photos
    // only, so the test host's own poller, with the default limit, finds photos missing and does nothing).
    const deps = { ...suite.host.deps, config: { ...config, MAX_PHOTO_BYTES: 10_000, PHOTO_RETENTION_ON_FAILURE: 'keep' as const } };
    const ctx = () => new InvocationContext({ functionName: uploadTrigger.name, logHandler: () => undefined });
    const uid = newUserId();
    await seedMember(firebase.db, uid, { credits: 1 });
    const scan = await createScanWithCredit(firebase.db, {
      scanId: newScanId(),
      userId: uid,
      measurements: measurements(),
      now: new Date(),
    });
    const big = (await samplePhotos()).front; // well over 10 kB
    expect(big.length).toBeGreaterThan(10_000);
    // Small and valid: within both limits, so only the oversized photo is a problem.
    const small = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#888888' } })
      .jpeg()
      .toBuffer();
    await uploads.getBlockBlobClient(scan.photos.front!).uploadData(big, { blobHTTPHeaders: { blobContentType: 'image/jpeg' } });
    await uploads.getBlockBlobClient(scan.photos.back!).uploadData(small, { blobHTTPHeaders: { blobContentType: 'image/jpeg' } });
    await uploadTrigger.handler({ name: scan.photos.front!, container: config.SCAN_UPLOADS_CONTAINER }, ctx(), deps);

    const rejected = await doc(scan.scanId);
    expect(rejected.status).toBe('rejected');
    expect(rejected.error?.details?.map((d) => [d.angle, d.code])).toEqual([['front', 'photo_too_large']]);
    expect(await uploadsGone(scan.scanId, uid)).toBe(true);
    // Kept: the photo within the limit, as a sealed copy; the oversized one is not kept.
    expect(await sealedMd5s(rejected)).toEqual({ front: null, back: md5(small), left: null, right: null });

    // A late write through the still-valid upload location: deleted by the trigger, the kept copy unchanged.
    await uploads.getBlockBlobClient(scan.photos.back!).uploadData(big, { blobHTTPHeaders: { blobContentType: 'image/jpeg' } });
    await uploadTrigger.handler({ name: scan.photos.back!, container: config.SCAN_UPLOADS_CONTAINER }, ctx(), deps);
    expect(await uploadsGone(scan.scanId, uid)).toBe(true);
    const after = await doc(scan.scanId);
    expect({ status: after.status, error: after.error }).toEqual({ status: 'rejected', error: rejected.error });
    expect(await sealedMd5s(after)).toEqual({ front: null, back: md5(small), left: null, right: null });
  });

  it('a sealed copy replaced behind the seal (not through an upload URL) is a stable photo rejection, not analysed', async () => {
    const scan = await seedUploadedScan(firebase, blob, config);
    await sealed.getBlockBlobClient(scan.photos.left!).uploadData(makeNotAnImage(), { blobHTTPHeaders: { blobContentType: 'image/jpeg' } });
    await startDailyScan(suite.client, config, scan, taskQueue);
    const done = await withWorker(() => finished(scan.scanId));
    expect(done.status).toBe('rejected');
    expect(done.error?.details?.map((d) => [d.angle, d.code])).toEqual([['left', PHOTOS_CHANGED]]);
  });
});

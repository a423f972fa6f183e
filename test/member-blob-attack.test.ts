import { randomUUID } from 'node:crypto';
import { InvocationContext } from '@azure/functions';
import type { ContainerClient } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { createBlobService, sharedKeyCredential } from '../common/clients/blob';
import { blobSdk } from '../common/clients/sdk-modules';
import { workflowIdForErasure } from '../common/contracts/erasure';
import { ANGLES, type Angle } from '../common/contracts/scan';
import type { ScanDocument } from '../common/contracts/scan-document';
import { scanRef } from '../common/scans/repository';
import { uploadTrigger } from '../functions/handlers/upload-trigger';
import { reconcileAwaitingUploads } from '../functions/scans/reconcile';
import { idTokenFor } from './helpers/auth';
import { maybeRecordHistory } from './helpers/history';
import { api } from './helpers/http';
import { measurements, newUserId, samplePhotos, scanWorkerSuite, seedMember } from './helpers/scan';
import { testConfig, uniqueTaskQueue } from './helpers/stack';

// A member against deletion, through the door a member has: their own upload URLs, used with plain HTTP
// as any client could. Azure Storage (and Azurite) let a SAS with `w` take an infinite lease (every delete
// without the lease id then fails with 412) and a SAS with `c` or `w` take a snapshot (a delete without
// `x-ms-delete-snapshots` fails with 409, and a plain listing does not show it). The upload URL is now
// `c` only, so the lease is refused; URLs signed `cw` before that change (valid up to UPLOAD_URL_TTL_MINUTES
// after a deploy) still lease, so the leases below are taken through such a URL for the same blob. Then
// every deletion a member's photo meets (seal cleanup at submit, cancel, a late write, the reconciliation
// timer's expiry, the erasure) leaves nothing under the member's prefix, snapshots and versions listed.
describe('a lease and a snapshot taken through the upload URL stop no deletion', () => {
  const id = randomUUID().slice(0, 8);
  const config = testConfig({
    TEMPORAL_TASK_QUEUE: uniqueTaskQueue('blob-attack'),
    REVIEW_MIN_CONFIDENCE: '0',
    // The erasure's last sweep waits for the upload URLs to expire: a short lifetime keeps it short.
    UPLOAD_URL_TTL_MINUTES: '1',
    // Containers of this file only: no other file's host sees these blobs, and this host sees no other file's.
    SCAN_UPLOADS_CONTAINER: `attack-uploads-${id}`,
    SEALED_PHOTOS_CONTAINER: `attack-sealed-${id}`,
  });
  const suite = scanWorkerSuite('blob-attack', () => config, {
    // The blob trigger runs when a test says so (late writes below): a poll between a member's PUT and
    // their lease would delete the blob first and prove nothing.
    host: { pollIntervalMs: 3_600_000 },
    activitiesUseSuiteClient: true,
    before: async () => {
      const blob = createBlobService(config);
      for (const c of [config.SCAN_UPLOADS_CONTAINER, config.SEALED_PHOTOS_CONTAINER]) await blob.getContainerClient(c).createIfNotExists();
    },
  });
  const uploads = () => suite.blob.getContainerClient(config.SCAN_UPLOADS_CONTAINER);
  const sealed = () => suite.blob.getContainerClient(config.SEALED_PHOTOS_CONTAINER);
  type Upload = { angle: Angle; url: string; headers: Record<string, string> };

  /** Everything stored under a prefix: base blobs, snapshots and versions. */
  async function everything(container: ContainerClient, prefix: string) {
    const found: string[] = [];
    for await (const b of container.listBlobsFlat({ prefix, includeSnapshots: true, includeVersions: true }))
      found.push(`${b.name}${b.snapshot ? `@snapshot ${b.snapshot}` : ''}${b.versionId ? `@version ${b.versionId}` : ''}`);
    return found;
  }

  const put = (u: Upload, body: Buffer | string) => fetch(u.url, { method: 'PUT', headers: u.headers, body });
  const lease = (url: string) =>
    fetch(`${url}&comp=lease`, { method: 'PUT', headers: { 'x-ms-lease-action': 'acquire', 'x-ms-lease-duration': '-1' } });
  const snapshot = (url: string) => fetch(`${url}&comp=snapshot`, { method: 'PUT' });

  /** The same blob's URL as upload URLs were signed before they became create-only (`sp=cw`). */
  function writeUrlOf(u: Upload) {
    const url = new URL(u.url);
    const blobName = decodeURIComponent(url.pathname.split('/').slice(3).join('/'));
    // The SDK build the app signs with (the credential's class must be the same build's).
    const { BlobSASPermissions, generateBlobSASQueryParameters } = blobSdk();
    const sas = generateBlobSASQueryParameters(
      {
        containerName: config.SCAN_UPLOADS_CONTAINER,
        blobName,
        permissions: BlobSASPermissions.parse('cw'),
        startsOn: new Date(Date.now() - 60_000),
        expiresOn: new Date(Date.now() + 15 * 60_000),
      },
      sharedKeyCredential(config.ScanStorage)!,
    );
    return `${url.origin}${url.pathname}?${sas.toString()}`;
  }

  /** The member uploads some photos and attacks each: a snapshot through their upload URL, an infinite lease through a `cw` one. */
  async function uploadAndAttack(urls: Upload[], angles: readonly Angle[]) {
    const photos = await samplePhotos();
    for (const angle of angles) {
      const u = urls.find((x) => x.angle === angle)!;
      expect((await put(u, photos[angle])).status, `upload ${angle}`).toBe(201);
      expect((await snapshot(u.url)).status, `snapshot ${angle}`).toBe(201);
      expect((await lease(writeUrlOf(u))).status, `lease ${angle}`).toBe(201);
    }
  }

  async function memberWithScan(credits = 1) {
    const uid = newUserId();
    await seedMember(suite.firebase.db, uid, { credits });
    const token = await idTokenFor(suite.firebase.auth, config, uid);
    const created = await api(suite.host, '/api/scans', { method: 'POST', token, json: measurements() });
    expect(created.status, created.text).toBe(201);
    return { uid, token, scanId: created.json.scanId as string, urls: created.json.uploads as Upload[] };
  }

  const doc = async (scanId: string) => (await scanRef(suite.firebase.db, scanId).get()).data() as ScanDocument;

  it('the upload URL is create-only: no overwrite, no lease; a snapshot it can still take', async () => {
    const { urls } = await memberWithScan();
    const front = urls.find((u) => u.angle === 'front')!;
    expect(new URL(front.url).searchParams.get('sp')).toBe('c');
    const photos = await samplePhotos();
    expect((await put(front, photos.front)).status).toBe(201);
    expect((await put(front, photos.back)).status).toBe(403); // no overwrite of the checked photo
    expect((await lease(front.url)).status).toBe(403);
    expect((await snapshot(front.url)).status).toBe(201);
  });

  it('submit: the seal cleanup deletes leased and snapshotted uploads; the scan runs', async () => {
    const { uid, token, scanId, urls } = await memberWithScan();
    await uploadAndAttack(urls, ANGLES);
    expect((await everything(uploads(), `${uid}/${scanId}/`)).length).toBe(8); // four photos, four snapshots
    const submit = await api(suite.host, `/api/scans/${scanId}/submit`, { method: 'POST', token });
    expect(submit.status, submit.text).toBe(202);
    expect(await everything(uploads(), `${uid}/${scanId}/`)).toEqual([]);
    expect(Object.keys((await doc(scanId)).sealedPhotos ?? {}).sort()).toEqual([...ANGLES].sort());
    const result = await suite.client.workflow.getHandle((await doc(scanId)).workflowId).result();
    expect(result.status).toBe('completed');

    // A late write: the member writes, snapshots and leases again after submit; the upload trigger deletes it all.
    const front = urls.find((u) => u.angle === 'front')!;
    await uploadAndAttack(urls, ['front']);
    expect((await everything(uploads(), `${uid}/${scanId}/`)).length).toBe(2);
    const name = new URL(front.url).pathname.split('/').slice(3).join('/');
    await uploadTrigger.handler(
      { name, container: config.SCAN_UPLOADS_CONTAINER },
      new InvocationContext({ functionName: uploadTrigger.name }),
      suite.host.deps,
    );
    expect(await everything(uploads(), `${uid}/${scanId}/`)).toEqual([]);
  }, 120_000);

  it('cancel: a scan awaiting upload ends and its leased, snapshotted photos are gone', async () => {
    const { uid, token, scanId, urls } = await memberWithScan();
    await uploadAndAttack(urls, ['front', 'back']);
    const cancel = await api(suite.host, `/api/scans/${scanId}/cancel`, { method: 'POST', token });
    expect(cancel.status, cancel.text).toBe(202);
    expect((await doc(scanId)).status).toBe('cancelled');
    expect(await everything(uploads(), `${uid}/${scanId}/`)).toEqual([]);
    expect(await everything(sealed(), `${uid}/${scanId}/`)).toEqual([]);
  });

  it('reconciliation: a scan whose photos never all arrived expires and its leased, snapshotted photos are gone', async () => {
    const { uid, scanId, urls } = await memberWithScan();
    await uploadAndAttack(urls, ['left']);
    // Created longer ago than UPLOAD_EXPIRY_MINUTES: the timer's next run expires it.
    const createdAt = new Date(Date.now() - (config.UPLOAD_EXPIRY_MINUTES + 5) * 60_000).toISOString();
    await scanRef(suite.firebase.db, scanId).update({ createdAt });
    const report = await reconcileAwaitingUploads(suite.host.deps, new Date());
    expect(report.expired).toContain(scanId);
    expect((await doc(scanId)).status).toBe('cancelled');
    expect(await everything(uploads(), `${uid}/${scanId}/`)).toEqual([]);
  });

  it('erasure: leased and snapshotted photos of an open scan and the sealed copies of a finished one are all gone', async () => {
    const { uid, token, scanId, urls } = await memberWithScan(2);
    await uploadAndAttack(urls, ANGLES);
    const submit = await api(suite.host, `/api/scans/${scanId}/submit`, { method: 'POST', token });
    expect(submit.status, submit.text).toBe(202);
    await suite.client.workflow.getHandle((await doc(scanId)).workflowId).result();
    // A second scan left open with attacked uploads.
    const open = await api(suite.host, '/api/scans', { method: 'POST', token, json: measurements() });
    expect(open.status, open.text).toBe(201);
    await uploadAndAttack(open.json.uploads, ['front', 'right']);
    expect((await everything(uploads(), `${uid}/`)).length).toBe(4);
    expect((await everything(sealed(), `${uid}/`)).length).toBe(4);

    // A fresh sign-in, as the app makes before an erasure (it needs one within 5 minutes).
    expect((await api(suite.host, '/api/me', { method: 'DELETE', token: await idTokenFor(suite.firebase.auth, config, uid) })).status).toBe(
      202,
    );
    // Nothing outlives the erasure: once its first sweep is done (it waits on its timer for the upload URLs
    // to expire), the member writes and snapshots through an upload URL that is still valid. No blob event
    // is delivered here, so only the erasure's last sweep can remove it.
    const erasure = suite.client.workflow.getHandle(workflowIdForErasure(uid, 1));
    await expect
      .poll(async () => ((await erasure.fetchHistory()).events ?? []).some((e) => e.timerStartedEventAttributes), {
        timeout: 60_000,
        interval: 200,
      })
      .toBe(true);
    const late: Upload = open.json.uploads.find((u: Upload) => u.angle === 'back');
    expect((await put(late, (await samplePhotos()).back)).status).toBe(201);
    expect((await snapshot(late.url)).status).toBe(201);
    expect((await everything(uploads(), `${uid}/`)).length).toBe(2);
    await expect
      .poll(async () => (await api(suite.host, '/api/me/erasure', { token })).json?.status, { timeout: 180_000, interval: 500 })
      .toBe('completed');
    expect(await everything(uploads(), `${uid}/`)).toEqual([]);
    expect(await everything(sealed(), `${uid}/`)).toEqual([]);
    await maybeRecordHistory(erasure, 'erase-member-last-sweep-waited');
  }, 300_000);
});

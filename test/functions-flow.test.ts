import { randomUUID } from 'node:crypto';
import { InvocationContext } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { ANGLES, workflowIdForScan } from '../common/contracts/scan';
import { scanRef, userRef } from '../common/scans/repository';
import { uploadTrigger } from '../functions/handlers/upload-trigger';
import { idTokenFor } from './helpers/auth';
import { api } from './helpers/http';
import { measurements, newUserId, samplePhotos, scanWorkerSuite, seedMember } from './helpers/scan';
import { testConfig, uniqueTaskQueue } from './helpers/stack';

// The scan through HTTP on the real local stack: create, upload via SAS to Azurite, the upload trigger
// (delivered by the local host's poller), status 202 then 200 with results, with the real worker.
describe('functions: scan flow over HTTP', () => {
  // No review gate here: these tests are about starting, not reviewing.
  const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueTaskQueue('fn-flow'), REVIEW_MIN_CONFIDENCE: '0' });
  const suite = scanWorkerSuite('fn-flow', () => config, { host: {} });
  const { firebase, blob } = suite;

  async function createScanFor(uid: string, token: string, headers: Record<string, string> = {}) {
    const res = await api(suite.host, '/api/scans', { method: 'POST', token, json: measurements(), headers });
    expect(res.status, res.text).toBe(201);
    return res;
  }

  async function uploadAll(uploads: Array<{ angle: string; url: string; headers: Record<string, string> }>) {
    const photos = await samplePhotos();
    for (const u of uploads) {
      const put = await fetch(u.url, { method: 'PUT', headers: u.headers, body: photos[u.angle as keyof typeof photos] });
      expect(put.status, `upload ${u.angle}`).toBe(201);
    }
  }

  async function waitForStatus(scanId: string, wanted: string[], ms = 60_000): Promise<string | undefined> {
    let status: string | undefined;
    for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 250))) {
      status = (await scanRef(firebase.db, scanId).get()).data()?.status;
      if (status && wanted.includes(status)) return status;
    }
    return status;
  }

  async function runsOf(scanId: string): Promise<number> {
    let n = 0;
    for await (const _ of suite.client.workflow.list({ query: `WorkflowId = '${workflowIdForScan(scanId)}'` })) n++;
    return n;
  }

  it('create -> upload via SAS -> trigger -> 202 with progress -> 200 with results', async () => {
    const uid = newUserId();
    await seedMember(firebase.db, uid, { credits: 1 });
    const token = await idTokenFor(firebase.auth, config, uid);

    const created = await createScanFor(uid, token);
    const body = created.json;
    expect(body.status).toBe('awaiting_upload');
    expect(body.uploads.map((u: { angle: string }) => u.angle).sort()).toEqual([...ANGLES].sort());
    expect(created.headers.get('location')).toBe(body.statusUrl);
    expect((await userRef(firebase.db, uid).get()).data()?.scanCredits).toBe(0);

    // The SAS is create-only and for one blob: it cannot read, and it cannot write another blob.
    const front = body.uploads.find((u: { angle: string }) => u.angle === 'front');
    const sas = new URL(front.url);
    expect(sas.searchParams.get('sp')).toBe('c');
    expect((await fetch(front.url)).status).toBeGreaterThanOrEqual(400);
    const other = new URL(front.url);
    other.pathname = other.pathname.replace(/\/front$/, '/back');
    expect((await fetch(other, { method: 'PUT', headers: front.headers, body: 'x' })).status).toBe(403);

    const before = await api(suite.host, `/api/scans/${body.scanId}`, { token });
    expect(before.status).toBe(202);
    expect(before.json.missingPhotos.sort()).toEqual([...ANGLES].sort());

    await uploadAll(body.uploads);

    const seen: number[] = [];
    let final;
    for (let i = 0; i < 240; i++) {
      const res = await api(suite.host, `/api/scans/${body.scanId}`, { token });
      seen.push(res.status);
      if (res.status === 202) {
        expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
        expect(res.json.progress).toMatchObject({ status: expect.any(String), percent: expect.any(Number) });
      }
      if (res.status !== 202) {
        final = res;
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(seen[0]).toBe(202);
    expect(final?.status, final?.text).toBe(200);
    expect(final!.json.status).toBe('completed');
    expect(final!.json.results.estimate.bodyFatPercent).toEqual(expect.any(Number));
    expect(await runsOf(body.scanId)).toBe(1);

    // The list shows it, newest first.
    const list = await api(suite.host, '/api/scans', { token });
    expect(list.status).toBe(200);
    expect(list.json.items[0].scanId).toBe(body.scanId);
  });

  it('four near-simultaneous trigger events and a submit start exactly one workflow', async () => {
    const uid = newUserId();
    await seedMember(firebase.db, uid, { credits: 1 });
    const token = await idTokenFor(firebase.auth, config, uid);
    const { json } = await createScanFor(uid, token);
    const scanId: string = json.scanId;

    // Upload straight to Blob (the host's poller will deliver its own events too: more triggers, still one run).
    const photos = await samplePhotos();
    const container = blob.getContainerClient(config.SCAN_UPLOADS_CONTAINER);
    await Promise.all(
      ANGLES.map((a) =>
        container.getBlockBlobClient(`${uid}/${scanId}/${a}`).uploadData(photos[a], { blobHTTPHeaders: { blobContentType: 'image/jpeg' } }),
      ),
    );
    const ctx = () => new InvocationContext({ functionName: uploadTrigger.name, logHandler: () => undefined });
    const results = await Promise.allSettled([
      ...ANGLES.map((a) =>
        uploadTrigger.handler({ name: `${uid}/${scanId}/${a}`, container: config.SCAN_UPLOADS_CONTAINER }, ctx(), suite.host.deps),
      ),
      api(suite.host, `/api/scans/${scanId}/submit`, { method: 'POST', token }),
    ]);
    expect(results.every((r) => r.status === 'fulfilled')).toBe(true);
    const submit = (results[4] as PromiseFulfilledResult<Awaited<ReturnType<typeof api>>>).value;
    expect(submit.status, submit.text).toBe(202);
    expect(submit.headers.get('location')).toBe(`${suite.host.url}/api/scans/${scanId}`);
    expect(submit.headers.get('retry-after')).toBeTruthy();

    expect(await waitForStatus(scanId, ['completed', 'rejected', 'failed', 'awaiting_review'])).toBe('completed');
    await suite.host.idle();
    expect(await runsOf(scanId)).toBe(1);
    // A submit after the end changes nothing either.
    expect((await api(suite.host, `/api/scans/${scanId}/submit`, { method: 'POST', token })).status).toBe(202);
    expect(await runsOf(scanId)).toBe(1);
    expect((await scanRef(firebase.db, scanId).get()).data()?.status).toBe('completed');
  });

  it('Idempotency-Key: a retried create returns the same scan and reserves one credit in total', async () => {
    const uid = newUserId();
    await seedMember(firebase.db, uid, { credits: 3 });
    const token = await idTokenFor(firebase.auth, config, uid);
    const key = `key-${randomUUID()}`;
    const body = measurements({ capturedAt: new Date(Date.now() - 60_000).toISOString() });

    // A client that timed out retries with the same key, more than once.
    const first = await api(suite.host, '/api/scans', { method: 'POST', token, json: body, headers: { 'Idempotency-Key': key } });
    expect(first.status, first.text).toBe(201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const retries = [];
    for (let i = 0; i < 3; i++)
      retries.push(await api(suite.host, '/api/scans', { method: 'POST', token, json: { ...body }, headers: { 'Idempotency-Key': key } }));
    for (const r of retries) {
      expect(r.status, r.text).toBe(201);
      expect(r.json.scanId).toBe(first.json.scanId);
      expect(r.headers.get('idempotent-replayed')).toBe('true');
      expect(r.json.uploads).toHaveLength(4);
    }
    expect((await userRef(firebase.db, uid).get()).data()?.scanCredits).toBe(2);
    expect((await firebase.db.collection('scans').where('ownerId', '==', uid).get()).size).toBe(1);

    // Three at once with a new key (after cancelling the first: one open scan per member): still one scan and one credit.
    expect((await api(suite.host, `/api/scans/${first.json.scanId}/cancel`, { method: 'POST', token })).status).toBe(202);
    expect((await userRef(firebase.db, uid).get()).data()?.scanCredits).toBe(3);
    // A replay once the scan no longer awaits its photos answers with the scan as it is, and no upload URL.
    const late = await api(suite.host, '/api/scans', { method: 'POST', token, json: body, headers: { 'Idempotency-Key': key } });
    expect({ status: late.status, scanId: late.json.scanId, scanStatus: late.json.status, uploads: late.json.uploads }).toEqual({
      status: 201,
      scanId: first.json.scanId,
      scanStatus: 'cancelled',
      uploads: [],
    });
    expect(late.text).not.toMatch(/sig=/);
    const key2 = `key-${randomUUID()}`;
    const body2 = measurements({ capturedAt: new Date().toISOString() });
    const together = await Promise.all(
      [0, 1, 2].map(() => api(suite.host, '/api/scans', { method: 'POST', token, json: body2, headers: { 'Idempotency-Key': key2 } })),
    );
    expect(together.map((r) => r.status)).toEqual([201, 201, 201]);
    expect(new Set(together.map((r) => r.json.scanId)).size).toBe(1);
    expect((await userRef(firebase.db, uid).get()).data()?.scanCredits).toBe(2);
    expect((await firebase.db.collection('scans').where('ownerId', '==', uid).get()).size).toBe(2);

    // The same key with another body is refused and reserves nothing.
    const reused = await api(suite.host, '/api/scans', {
      method: 'POST',
      token,
      json: { ...body, weightKg: 90 },
      headers: { 'Idempotency-Key': key },
    });
    expect(reused.status).toBe(422);
    expect(reused.json.code).toBe('idempotency_key_reused');
    expect((await userRef(firebase.db, uid).get()).data()?.scanCredits).toBe(2);
  });
});

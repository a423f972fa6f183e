import { randomUUID } from 'node:crypto';
import { InvocationContext } from '@azure/functions';
import { afterAll, describe, expect, it } from 'vitest';
import { createBlobService } from '../common/clients/blob';
import { MEMBER_MESSAGES } from '../common/contracts/failures';
import { ANGLES } from '../common/contracts/scan';
import { Collections, type ScanDocument } from '../common/contracts/scan-document';
import { createScanWithCredit, scanRef, userRef } from '../common/scans/repository';
import { registrations } from '../functions/definitions';
import { createDeps } from '../functions/deps';
import { startFunctionsHost } from './helpers/http';
import { measurements, newScanId, newUserId, samplePhotos, seedMember, seedUploadedScan } from './helpers/scan';
import { testConfig, uniqueTaskQueue } from './helpers/stack';
import { terminateWorkflows } from './helpers/workflows';

// No stranded scans: photos that arrive while no Functions host runs are still delivered, a scan whose
// blob events were lost is started by the reconciliation timer, and one whose photos never came is
// cancelled with its credit refunded. No worker polls the task queue: these tests are about starting.
describe('no stranded scans', () => {
  const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueTaskQueue('reconcile'), UPLOAD_URL_TTL_MINUTES: '1', UPLOAD_EXPIRY_MINUTES: '2' });
  const deps = createDeps(config, { firebaseAppName: `reconcile-${randomUUID()}` });
  const blob = createBlobService(config);
  const firebase = { db: deps.db, auth: deps.auth, close: async () => {} };
  const reconcile = registrations().timer.find((t) => t.name === 'reconcileUploads')!;
  const started: string[] = [];
  const statusOf = async (scanId: string) => ((await scanRef(deps.db, scanId).get()).data() as ScanDocument).status;
  const runTimer = (now: Date) => reconcile.handler(new InvocationContext({ functionName: reconcile.name }), deps, now);

  afterAll(async () => {
    await terminateWorkflows(await deps.temporal(), started);
    await deps.close();
  });

  it('runs every 5 minutes, in the same function table as the other functions', () => {
    expect(reconcile.schedule).toBe('0 */5 * * * *');
  });

  it('photos uploaded while the host was down are delivered when it starts, and the scan starts', async () => {
    const scan = await seedUploadedScan(firebase as never, blob, config, { submitted: false }); // no host is running
    started.push(scan.workflowId);
    const host = await startFunctionsHost(config);
    try {
      await expect.poll(() => statusOf(scan.scanId), { timeout: 30_000 }).toBe('queued');
      const client = await deps.temporal();
      expect((await client.workflow.getHandle(scan.workflowId).describe()).taskQueue).toBe(config.TEMPORAL_TASK_QUEUE);
    } finally {
      await host.close();
    }
  });

  it('the timer starts a scan whose four photos are there but whose events were lost', async () => {
    const scan = await seedUploadedScan(firebase as never, blob, config, { submitted: false }); // no host: no event is ever delivered
    started.push(scan.workflowId);
    // Within the grace period the upload trigger is left to do it.
    await runTimer(new Date(Date.parse(scan.createdAt) + 10_000));
    expect(await statusOf(scan.scanId)).toBe('awaiting_upload');
    await runTimer(new Date(Date.parse(scan.createdAt) + 90_000));
    expect(await statusOf(scan.scanId)).toBe('queued');
    const client = await deps.temporal();
    expect((await client.workflow.getHandle(scan.workflowId).describe()).status.name).toBe('RUNNING');
  });

  it('a scan whose photos never all arrived is cancelled once after UPLOAD_EXPIRY_MINUTES, credit refunded', async () => {
    const userId = newUserId();
    await seedMember(deps.db, userId, { credits: 1 });
    const scan = await createScanWithCredit(deps.db, { scanId: newScanId(), userId, measurements: measurements(), now: new Date() });
    const photos = await samplePhotos();
    const container = blob.getContainerClient(config.SCAN_UPLOADS_CONTAINER);
    for (const a of ANGLES.slice(0, 2))
      await container.getBlockBlobClient(scan.photos[a]!).uploadData(photos[a]!, { blobHTTPHeaders: { blobContentType: 'image/jpeg' } });
    const credits = async () => Number((await userRef(deps.db, userId).get()).get('scanCredits'));
    expect(await credits()).toBe(0);

    // Before the expiry: still waiting for its photos.
    await runTimer(new Date(Date.parse(scan.createdAt) + 90_000));
    expect(await statusOf(scan.scanId)).toBe('awaiting_upload');

    const late = new Date(Date.parse(scan.createdAt) + 3 * 60_000);
    await runTimer(late);
    await runTimer(late); // a second (or overlapping) run changes nothing
    const doc = (await scanRef(deps.db, scan.scanId).get()).data() as ScanDocument;
    expect(doc.status).toBe('cancelled');
    expect(doc.error).toEqual({ code: 'upload_expired', message: MEMBER_MESSAGES.upload_expired });
    expect(doc.credit.state).toBe('refunded');
    expect(await credits()).toBe(1);
    const audit = await deps.db.collection(Collections.auditLogs).where('scanId', '==', scan.scanId).get();
    expect(audit.docs.map((d) => d.get('action'))).toEqual(['upload_expired']);
    // Photo retention on failure is `delete` by default: the two that did arrive are gone.
    for (const a of ANGLES.slice(0, 2)) expect(await container.getBlockBlobClient(scan.photos[a]!).exists()).toBe(false);
  });
});

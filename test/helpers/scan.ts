import { randomUUID } from 'node:crypto';
import type { BlobServiceClient } from '@azure/storage-blob';
import type { Client } from '@temporalio/client';
import type { Firestore } from 'firebase-admin/firestore';
import { afterAll, beforeAll } from 'vitest';
import { createBlobService } from '../../common/clients/blob';
import type { FirebaseClients } from '../../common/clients/firebase';
import { createFirebase } from '../../common/clients/firebase';
import { createTemporalClient } from '../../common/clients/temporal';
import type { Config } from '../../common/config';
import { ANGLES, type Angle, type ScanMeasurements } from '../../common/contracts/scan';
import type { ScanDocument } from '../../common/contracts/scan-document';
import { consentRef, createScanWithCredit, scanRef, userRef } from '../../common/scans/repository';
import { deleteUploads, sealContainers, sealUploads } from '../../common/scans/sealed-photos';
import type { LocalHost } from '../../functions/local-host';
import { makeSampleScanPhotos } from '../../scripts/lib/sample-photos';
import type { ActivityDeps, WorkerActivities } from '../../worker/activities';
import { activityDepsFromConfig, createScanWorker, createWorkerActivities } from '../../worker/create-worker';
import { connectWorkerToTemporal } from '../../worker/temporal-connection';
import { startFunctionsHost } from './http';
import { testConfig } from './stack';

export const newScanId = () => `scan_${randomUUID().replaceAll('-', '')}`;
export const newUserId = () => `member_${randomUUID().replaceAll('-', '').slice(0, 12)}`;

export function measurements(over: Partial<ScanMeasurements> = {}): ScanMeasurements {
  return {
    weightKg: 82,
    heightCm: 180,
    age: 35,
    sex: 'male',
    capturedAt: new Date().toISOString(),
    activityLevel: 'moderate',
    goal: 'lose_fat',
    trainingLevel: 'intermediate',
    exerciseMinutesPerDay: 45,
    ...over,
  };
}

/** A member with consent and credits, as the app would leave them before a scan. */
export async function seedMember(db: Firestore, uid: string, opts: { credits?: number; consent?: boolean } = {}) {
  await userRef(db, uid).set({ scanCredits: opts.credits ?? 1, profile: { sex: 'male' } });
  if (opts.consent ?? true) {
    await consentRef(db, uid, 'scan_analysis').set({
      type: 'scan_analysis',
      status: 'granted',
      version: '2026-01',
      updatedAt: new Date().toISOString(),
    });
  }
}

/** Member + scan record (credit reserved) + four uploaded photos: the state the upload trigger sees. */
export async function seedUploadedScan(
  firebase: FirebaseClients,
  blob: BlobServiceClient,
  config: Config,
  opts: {
    userId?: string;
    scanId?: string;
    measurements?: ScanMeasurements;
    photos?: Partial<Record<Angle, Buffer>>;
    credits?: number;
    /** false: left awaiting_upload with its uploads in place (for the trigger or the timer to submit). */
    submitted?: boolean;
  } = {},
): Promise<ScanDocument> {
  const userId = opts.userId ?? newUserId();
  const scanId = opts.scanId ?? newScanId();
  if (!opts.userId) await seedMember(firebase.db, userId, { credits: opts.credits ?? 1 });
  const scan = await createScanWithCredit(firebase.db, {
    scanId,
    userId,
    measurements: opts.measurements ?? measurements(),
    now: new Date(),
  });
  const photos = { ...(await samplePhotos()), ...opts.photos };
  const container = blob.getContainerClient(config.SCAN_UPLOADS_CONTAINER);
  const uploaded = await Promise.all(
    ANGLES.map((a) =>
      container.getBlockBlobClient(scan.photos[a]!).uploadData(photos[a]!, { blobHTTPHeaders: { blobContentType: 'image/jpeg' } }),
    ),
  );
  if (opts.submitted === false) return scan;
  // Submitted, as the upload trigger would leave it: sealed copies recorded on the document, uploads gone.
  const etags = Object.fromEntries(ANGLES.map((a, i) => [a, uploaded[i]!.etag!]));
  const sealedPhotos = await sealUploads(sealContainers(config, blob, blob), scan.photos, etags);
  await scanRef(firebase.db, scanId).update({ sealedPhotos });
  await deleteUploads(blob.getContainerClient(config.SCAN_UPLOADS_CONTAINER), scan.photos);
  return { ...scan, sealedPhotos };
}

let cachedPhotos: Promise<Record<Angle, Buffer>> | undefined;
export function samplePhotos() {
  cachedPhotos ??= makeSampleScanPhotos('good');
  return cachedPhotos;
}

/** The production worker, in-process on its own task queue; `wrap` lets a test inject faults into activities. */
export async function startTestWorker(
  config: Config,
  firebase: FirebaseClients,
  blob: BlobServiceClient,
  opts: {
    taskQueue: string;
    deps?: Partial<ActivityDeps>;
    wrap?: (a: WorkerActivities) => WorkerActivities;
    workflowSpans?: Parameters<typeof createScanWorker>[0]['workflowSpans'];
  },
) {
  const connection = await connectWorkerToTemporal(config);
  const base = createWorkerActivities({ ...activityDepsFromConfig(config, firebase, { uploads: blob, data: blob }), ...opts.deps });
  const worker = await createScanWorker({
    config,
    connection,
    activities: opts.wrap ? opts.wrap(base) : base,
    db: firebase.db,
    taskQueue: opts.taskQueue,
    workflowSpans: opts.workflowSpans,
  });
  const running = worker.run();
  return {
    worker,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
    },
  };
}

/** Pushes for a scan once `count` have arrived (the push follows the status write), or what arrived by the deadline. */
export async function pushesArrived(listUrl: string, scanId: string, count: number, timeoutMs = 30_000) {
  for (const end = Date.now() + timeoutMs; ; await new Promise((r) => setTimeout(r, 200))) {
    const pushes = await pushesFor(listUrl, scanId);
    if (pushes.length >= count || Date.now() > end) return pushes;
  }
}

export async function pushesFor(listUrl: string, scanId: string): Promise<Array<{ body: { data: { scanId: string; type: string } } }>> {
  const all = (await (await fetch(listUrl)).json()) as Array<{ body: { data: { scanId: string; type: string } } }>;
  return all.filter((p) => p.body?.data?.scanId === scanId);
}

/**
 * The usual integration suite: Firestore and Blob clients, a Temporal client and the production worker on
 * the config's task queue, started before the file's tests and stopped after them; with `host`, also the
 * local Functions host on the same config (started after the worker, closed before it). The config is read
 * lazily so `before` can start what it points at first (e.g. a model server).
 */
export function scanWorkerSuite(
  name: string,
  config: () => Config,
  opts: {
    before?: () => Promise<unknown>;
    after?: () => Promise<unknown>;
    host?: { pollIntervalMs?: number };
    /** The worker's activities use the suite's Temporal client rather than opening their own. */
    activitiesUseSuiteClient?: boolean;
    workflowSpans?: Parameters<typeof createScanWorker>[0]['workflowSpans'];
  } = {},
) {
  const firebase = createFirebase(testConfig(), `${name}-${randomUUID()}`);
  const suite = {
    firebase,
    blob: createBlobService(testConfig()),
    client: undefined as unknown as Client,
    config: undefined as unknown as Config,
    /** The local Functions host; only with `host`. */
    host: undefined as unknown as LocalHost,
  };
  let worker: Awaited<ReturnType<typeof startTestWorker>> | undefined;
  beforeAll(async () => {
    await opts.before?.();
    suite.config = config();
    suite.client = await createTemporalClient(suite.config);
    worker = await startTestWorker(suite.config, firebase, suite.blob, {
      taskQueue: suite.config.TEMPORAL_TASK_QUEUE,
      ...(opts.activitiesUseSuiteClient ? { deps: { temporal: suite.client } } : {}),
      workflowSpans: opts.workflowSpans,
    });
    if (opts.host) suite.host = await startFunctionsHost(suite.config, opts.host);
  });
  afterAll(async () => {
    await suite.host?.close();
    await worker?.stop();
    await suite.client?.connection.close();
    await firebase.close();
    await opts.after?.();
  });
  return suite;
}

import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFirebase } from '../common/clients/firebase';
import { ANGLES, workflowIdForScan } from '../common/contracts/scan';
import { scanRef } from '../common/scans/repository';
import { createDeps, type Deps } from '../functions/deps';
import { startWhenReady } from '../functions/scans/start-when-ready';
import { freePort } from '../scripts/lib/ports';
import { readSealedScanPhotos } from '../worker/activities/sealed-photos';
import { seedUploadedScan } from './helpers/scan';
import { testConfig, uniqueTaskQueue } from './helpers/stack';

// In Azure the upload door and the sealed photos are two accounts (infra/core/upload-storage.bicep,
// infra/core/data-storage.bicep): the public one only ever holds uploads. Here the stack's Azurite is the
// upload account and a second Azurite, with an account of its own, is the private data account.
const DATA_ACCOUNT = 'scandata';
const DATA_KEY = randomBytes(32).toString('base64');
let azurite: ChildProcess | undefined;
let dataConnection = '';
let deps: Deps;

beforeAll(async () => {
  const port = await freePort();
  azurite = spawn(
    process.execPath,
    [
      require.resolve('azurite/dist/src/blob/main.js'),
      '--blobHost',
      '127.0.0.1',
      '--blobPort',
      String(port),
      '--inMemoryPersistence',
      '--skipApiVersionCheck',
      '--loose',
      '--disableProductStyleUrl',
    ],
    { env: { ...process.env, AZURITE_ACCOUNTS: `${DATA_ACCOUNT}:${DATA_KEY}` }, stdio: 'ignore' },
  );
  dataConnection = `DefaultEndpointsProtocol=http;AccountName=${DATA_ACCOUNT};AccountKey=${DATA_KEY};BlobEndpoint=http://127.0.0.1:${port}/${DATA_ACCOUNT};`;
  const data = BlobServiceClient.fromConnectionString(dataConnection);
  // Up once it answers (a fresh process, so a few tries while it binds the port).
  const deadline = Date.now() + 30_000;
  while (
    !(await data
      .getContainerClient(testConfig().SEALED_PHOTOS_CONTAINER)
      .createIfNotExists()
      .then(
        () => true,
        () => false,
      ))
  ) {
    if (Date.now() > deadline) throw new Error('the second Azurite did not start within 30 s');
    await new Promise((r) => setTimeout(r, 250));
  }
  // A task queue no worker polls: this test stops at the workflow start.
  deps = createDeps(testConfig({ ScanDataStorage: dataConnection, TEMPORAL_TASK_QUEUE: uniqueTaskQueue('data-account') }), {
    firebaseAppName: `data-account-${randomUUID()}`,
  });
});

afterAll(async () => {
  await deps?.close();
  azurite?.kill('SIGKILL');
});

describe('sealed photos live in the data account, apart from the upload door', () => {
  it('submit copies the uploads into the data account and leaves nothing of them in the upload account', async () => {
    const config = deps.config;
    const firebase = createFirebase(config, `data-account-seed-${randomUUID()}`);
    const scan = await seedUploadedScan(firebase, deps.blob, config, { submitted: false });
    await firebase.close();
    const outcome = await startWhenReady(deps, scan.scanId);
    expect(outcome).toMatchObject({ kind: 'started' });

    const names = ANGLES.map((a) => scan.photos[a] as string);
    const sealedInData = deps.dataBlob.getContainerClient(config.SEALED_PHOTOS_CONTAINER);
    const sealedInUploads = deps.blob.getContainerClient(config.SEALED_PHOTOS_CONTAINER);
    const uploads = deps.blob.getContainerClient(config.SCAN_UPLOADS_CONTAINER);
    for (const name of names) {
      expect(await sealedInData.getBlockBlobClient(name).exists()).toBe(true);
      expect(await sealedInUploads.getBlockBlobClient(name).exists()).toBe(false);
      expect(await uploads.getBlockBlobClient(name).exists()).toBe(false); // sealed, so removed from the door
    }

    // The worker reads the sealed bytes from the data account, checked against the seal on the scan document.
    const read = await readSealedScanPhotos(
      {
        db: deps.db,
        blob: deps.blob,
        dataBlob: deps.dataBlob,
        uploadsContainer: config.SCAN_UPLOADS_CONTAINER,
        sealedPhotosContainer: config.SEALED_PHOTOS_CONTAINER,
      },
      scan.scanId,
      scan.photos,
    );
    expect(read.rejected).toEqual([]);
    expect(Object.keys(read.bytes).sort()).toEqual([...ANGLES].sort());

    const temporal = await deps.temporal();
    await temporal.workflow.getHandle(workflowIdForScan(scan.scanId)).terminate('test over');
    expect((await scanRef(deps.db, scan.scanId).get()).data()?.sealedPhotos).toBeDefined();
  });
});

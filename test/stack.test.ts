import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, describe, expect, it } from 'vitest';
import { createBlobService } from '../common/clients/blob';
import { createFirebase } from '../common/clients/firebase';
import { createTemporalClient } from '../common/clients/temporal';
import { payloadDataConverter } from '../common/temporal/payload-encryption';
import { staffIdTokenFor } from './helpers/auth';
import { testConfig, uniqueTaskQueue } from './helpers/stack';

// Each local stand-in answers through the same client library the production code uses.
describe('local stack', () => {
  const config = testConfig();
  const firebase = createFirebase(config, `stack-test-${randomUUID()}`);
  afterAll(() => firebase.close());

  it('Temporal: @temporalio/client starts a workflow that a worker completes', async () => {
    const client = await createTemporalClient(config);
    const taskQueue = uniqueTaskQueue('echo');
    const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
    const worker = await Worker.create({
      connection,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue,
      workflowsPath: path.join(__dirname, 'fixtures', 'echo-workflow.ts'),
      dataConverter: payloadDataConverter(config),
    });
    const result = await worker.runUntil(
      client.workflow.execute('echoWorkflow', { taskQueue, workflowId: `echo-${randomUUID()}`, args: ['hello'] }),
    );
    expect(result).toBe('echo: hello');
    await connection.close();
    await client.connection.close();
  });

  it('Temporal: the ScanStatus and ScanProgress search attributes are registered', async () => {
    const client = await createTemporalClient(config);
    const { customAttributes } = await client.connection.operatorService.listSearchAttributes({ namespace: config.TEMPORAL_NAMESPACE });
    expect(customAttributes).toMatchObject({ ScanStatus: expect.anything(), ScanProgress: expect.anything() });
    await client.connection.close();
  });

  it('Blob: @azure/storage-blob writes and reads a blob in Azurite, in both containers', async () => {
    const blob = createBlobService(config);
    for (const container of [config.SCAN_UPLOADS_CONTAINER, config.WORKFLOW_ARCHIVES_CONTAINER]) {
      const client = blob.getContainerClient(container).getBlockBlobClient(`stack-test/${randomUUID()}`);
      await client.upload('bytes', 5);
      expect((await client.downloadToBuffer()).toString()).toBe('bytes');
    }
  });

  it('Firestore: firebase-admin writes, reads and queries', async () => {
    const uid = `u-${randomUUID()}`;
    const col = firebase.db.collection(`users/${uid}/scanHistory`);
    await col.doc('a').set({ takenAt: new Date('2026-01-01T00:00:00Z'), n: 1 });
    await col.doc('b').set({ takenAt: new Date('2026-01-03T00:00:00Z'), n: 2 });
    expect((await col.doc('a').get()).data()?.n).toBe(1);
    const newest = await col.orderBy('takenAt', 'desc').limit(1).get();
    expect(newest.docs.map((d) => d.id)).toEqual(['b']);
    const filtered = await col.where('n', '==', 1).get();
    expect(filtered.docs.map((d) => d.id)).toEqual(['a']);
  });

  it('Auth: firebase-admin verifies an ID token minted by the Auth emulator in the staff tenant, with custom claims and a second factor', async () => {
    const uid = `u-${randomUUID()}`;
    const token = await staffIdTokenFor(firebase.auth, config, uid, { reviewer: true });
    const staff = firebase.auth.tenantManager().authForTenant(config.STAFF_TENANT_ID!);
    const decoded = await staff.verifyIdToken(token, true);
    expect(decoded.uid).toBe(uid);
    expect(decoded.reviewer).toBe(true);
    expect(decoded.firebase).toMatchObject({ tenant: config.STAFF_TENANT_ID, sign_in_second_factor: 'phone' });
    // The members' accounts do not know a staff account.
    await expect(firebase.auth.verifyIdToken(token, true)).rejects.toThrow();
    await expect(staff.verifyIdToken(`${token.slice(0, -4)}AAAA`)).rejects.toThrow();
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { type Client, WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { historyBlobPath } from '../common/archive/layout';
import { startArchive } from '../common/archive/start-archive';
import { readArchivedHistory } from '../common/archive/store';
import { createBlobService } from '../common/clients/blob';
import { createFirebase } from '../common/clients/firebase';
import { createTemporalClient } from '../common/clients/temporal';
import type { ArchiveWorkflowResult } from '../common/contracts/archive';
import { workflowIdForScan } from '../common/contracts/scan';
import { consentRef, scanRef } from '../common/scans/repository';
import { startDailyScan } from '../common/scans/start-scan';
import { measurements, newUserId, samplePhotos, seedMember, seedUploadedScan } from './helpers/scan';
import { stackEnv, testConfig, uniqueTaskQueue } from './helpers/stack';
import { spawnWorkerProcess } from './helpers/worker-process';

// Member values must not sit in plain text anywhere Temporal keeps them: its database file, the worker's
// log, and a history as archived for seven years. A leak would be a payload or a failure message in clear,
// so each value is looked for the way it would appear there: the weight with six significant digits
// (no chance match), the age and the body-fat numbers as JSON fields, and 32 bytes from inside a photo.
const WEIGHT_KG = 83.719;
const AGE = 47;

/** All text and bytes in a decoded history, bytes as latin1 (payload data is bytes in the protobuf). */
function flatText(node: unknown): string {
  if (node instanceof Uint8Array) return Buffer.from(node).toString('latin1');
  if (Array.isArray(node)) return node.map(flatText).join('\n');
  if (node && typeof node === 'object')
    return Object.entries(node)
      .map(([k, v]) => `${k}:${flatText(v)}`)
      .join('\n');
  return String(node);
}

/** Every failure anywhere in a history (activity failures, their causes, the workflow's own). */
function failuresIn(node: unknown, out: Array<Record<string, unknown>> = []) {
  if (!node || typeof node !== 'object' || node instanceof Uint8Array) return out;
  if (Array.isArray(node)) {
    for (const n of node) failuresIn(n, out);
    return out;
  }
  for (const [k, v] of Object.entries(node)) {
    if ((k === 'failure' || k === 'cause') && v && typeof v === 'object') out.push(v as Record<string, unknown>);
    failuresIn(v, out);
  }
  return out;
}

describe('failure hygiene: no member value in plain text', () => {
  const taskQueue = uniqueTaskQueue('hygiene');
  const config = testConfig({ TEMPORAL_TASK_QUEUE: taskQueue, REVIEW_MIN_CONFIDENCE: '0' });
  const firebase = createFirebase(config, `hygiene-${taskQueue}`);
  const blob = createBlobService(config);
  let client: Client;
  let worker: Awaited<ReturnType<typeof spawnWorkerProcess>>;

  beforeAll(async () => {
    const {
      PUSH_RECEIVER_LIST_URL: _,
      STACK_DATA_DIR: __,
      TEMPORAL_CLI: ___,
      TEMPORAL_CODEC_URL: ____,
      TEMPORAL_MTLS_ADDRESS: _____,
      TEMPORAL_MTLS_CERT_DIR: ______,
      ...env
    } = stackEnv();
    // Debug logging: the most the worker ever writes.
    worker = await spawnWorkerProcess({
      ...env,
      TEMPORAL_TASK_QUEUE: taskQueue,
      REVIEW_MIN_CONFIDENCE: '0',
      LOG_LEVEL: 'debug',
      WORKER_HEALTH_PORT: '0',
    });
    client = await createTemporalClient(config);
  });
  afterAll(async () => {
    worker?.proc.kill('SIGTERM');
    await worker?.exited;
    await client?.connection.close();
    await firebase.close();
  });

  it('a completed scan and a failed one leave no member value in the database file, the worker log or the archive', async () => {
    const from = new Date(Date.now() - 1000).toISOString();
    const m = measurements({ weightKg: WEIGHT_KG, age: AGE });
    const completed = await seedUploadedScan(firebase, blob, config, { measurements: m });
    // Consent withdrawn after the upload: the consent check fails the scan with an activity failure.
    const withdrawn = newUserId();
    await seedMember(firebase.db, withdrawn, { credits: 1 });
    const failed = await seedUploadedScan(firebase, blob, config, { userId: withdrawn, measurements: m });
    await consentRef(firebase.db, withdrawn, 'scan_analysis').set(
      { status: 'revoked', updatedAt: new Date().toISOString() },
      { merge: true },
    );
    const handles = await Promise.all(
      [completed, failed].map(async (scan) => {
        await startDailyScan(client, config, scan, taskQueue);
        return client.workflow.getHandle(workflowIdForScan(scan.scanId));
      }),
    );
    expect((await handles[0]!.result()).status).toBe('completed');
    // Decoded through the project's converter, the failure is there for whoever holds the key.
    const failure = await handles[1]!.result().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(((failure as WorkflowFailedError).cause as ApplicationFailure).type).toBe('consent_required');

    const results = (await scanRef(firebase.db, completed.scanId).get()).data()?.results as
      | { estimate: { bodyFatPercent: number; leanMassKg?: number; fatMassKg?: number } }
      | undefined;
    expect(results?.estimate.bodyFatPercent).toEqual(expect.any(Number));
    const bodyNumbers = Object.entries(results!.estimate).filter(([, v]) => typeof v === 'number') as Array<[string, number]>;
    const photo = (await samplePhotos()).front;
    const photoBytes = photo.subarray(Math.floor(photo.length / 2), Math.floor(photo.length / 2) + 32).toString('latin1');
    const leaks = (text: string) =>
      [String(WEIGHT_KG), `"age":${AGE}`, ...bodyNumbers.map(([k, v]) => `"${k}":${JSON.stringify(v)}`), photoBytes].filter((v) =>
        text.includes(v),
      );
    // The checks can fail: a history written in clear is caught (a control on the same text shapes).
    expect(leaks(flatText({ data: Buffer.from(JSON.stringify({ weightKg: WEIGHT_KG, age: AGE, ...results!.estimate })) }))).toHaveLength(
      2 + bodyNumbers.length,
    );

    // The histories as the server gives them: payloads encrypted, failures encoded.
    for (const handle of handles) {
      const text = flatText(await handle.fetchHistory());
      expect(text).toContain('binary/encrypted'); // the walk reaches the payloads
      expect(leaks(text)).toEqual([]);
    }
    const failures = failuresIn((await handles[1]!.fetchHistory()).events);
    expect(failures.length).toBeGreaterThan(0);
    for (const f of failures) {
      expect(f.message).toBe('Encoded failure');
      expect(f.stackTrace ?? '').toBe('');
      // Message and stack trace travel in a payload encrypted by the same codec as every other payload.
      const encoding = (f.encodedAttributes as { metadata?: Record<string, Uint8Array> } | undefined)?.metadata?.encoding;
      expect(Buffer.from(encoding ?? []).toString()).toBe('binary/encrypted');
    }

    // The archive (the 7-year copy): both runs archived, neither with a member value in clear.
    const to = new Date(Date.now() + 1000).toISOString();
    await new Promise((r) => setTimeout(r, 1100)); // the window must have closed
    const { workflowId } = await startArchive(client, config, { from, to, taskQueue }, { mode: 'rerun' });
    const archived = (await client.workflow.getHandle(workflowId).result()) as ArchiveWorkflowResult;
    expect(archived).toBeTruthy();
    const container = blob.getContainerClient(config.WORKFLOW_ARCHIVES_CONTAINER);
    for (const handle of handles) {
      const d = await handle.describe();
      const blobPath = historyBlobPath({ workflowId: d.workflowId, runId: d.runId, closeTime: d.closeTime!.toISOString() });
      const { history } = await readArchivedHistory(container.getBlockBlobClient(blobPath));
      const text = flatText(historyFromJSON(history));
      // Scan payloads are sealed again with the member's archive key (docs/api.md "Right to erasure").
      expect(text).toContain('binary/member-sealed');
      expect(leaks(text)).toEqual([]);
    }

    // The dev server's database file (and its write-ahead log) holds every event of both runs.
    const dataDir = stackEnv().STACK_DATA_DIR!;
    const dbFiles = readdirSync(dataDir).filter((f) => f.startsWith('temporal.sqlite'));
    expect(dbFiles).toContain('temporal.sqlite');
    // A rollback journal (-journal) exists only while SQLite writes and may be gone by the time it is read;
    // what it held is then in the database file itself, which is always read.
    const db = dbFiles.map((f) => readIfStillThere(path.join(dataDir, f))).join('\n');
    expect(db).toContain(workflowIdForScan(failed.scanId)); // the file does hold these runs
    expect(leaks(db)).toEqual([]);

    expect(worker.output()).toContain('"worker started"');
    expect(leaks(worker.output())).toEqual([]);
  }, 180_000);
});

function readIfStillThere(file: string): string {
  try {
    return readFileSync(file).toString('latin1');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw error;
  }
}

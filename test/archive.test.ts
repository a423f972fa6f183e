import { execFile, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { type Client, WorkflowFailedError } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditRecordsInWindow } from '../common/archive/audit-trail';
import { canonicalJson } from '../common/archive/canonical-json';
import { archiveWorkflowId, closedInWindowQuery, historyBlobPath, utcDayPath } from '../common/archive/layout';
import { archiveKeysFromPayloadKeys, openArchivedScanHistory } from '../common/archive/member-keys';
import { startArchive } from '../common/archive/start-archive';
import { readArchivedHistory, sha256Hex } from '../common/archive/store';
import { verifyArchive } from '../common/archive/verify';
import { createBlobService } from '../common/clients/blob';
import { createFirebase } from '../common/clients/firebase';
import { createTemporalClient } from '../common/clients/temporal';
import { ArchiveMetadata, type ArchiveWindow, type ArchiveWorkflowResult, type ManifestEntry } from '../common/contracts/archive';
import { workflowIdForScan } from '../common/contracts/scan';
import { Collections } from '../common/contracts/scan-document';
import { progressQuery } from '../common/contracts/workflow-messages';
import { DAILY_SCAN_WORKFLOW } from '../common/contracts/workflow-types';
import { startDailyScan } from '../common/scans/start-scan';
import { payloadDataConverter } from '../common/temporal/payload-encryption';
import { makeSamplePhoto } from '../scripts/lib/sample-photos';
import { maybeRecordHistory } from './helpers/history';
import { seedLeanerScanYesterday } from './helpers/review';
import { newUserId, seedMember, seedUploadedScan, startTestWorker } from './helpers/scan';
import { stackEnv, testConfig, uniqueTaskQueue } from './helpers/stack';
import { PROJECT_ROOT, spawnWorkerProcess } from './helpers/worker-process';

// All suites share one namespace, so every window here is scoped to this suite's own task queues.
const scanQueue = uniqueTaskQueue('archive-scans');
const config = testConfig({ TEMPORAL_TASK_QUEUE: scanQueue, REVIEW_TIMEOUT_SECONDS: '600' });
const firebase = createFirebase(config, `archive-${randomUUID()}`);
const blob = createBlobService(config);
const container = blob.getContainerClient(config.WORKFLOW_ARCHIVES_CONTAINER);
const archiveKeys = archiveKeysFromPayloadKeys([Buffer.from(config.PAYLOAD_ENCRYPTION_KEY, 'base64')]);
let client: Client;
let worker: Awaited<ReturnType<typeof startTestWorker>>;

beforeAll(async () => {
  client = await createTemporalClient(config);
  worker = await startTestWorker(config, firebase, blob, { taskQueue: scanQueue, deps: { temporal: client } });
});
afterAll(async () => {
  await worker?.stop();
  await client?.connection.close();
  await firebase.close();
});

/** Closed runs in the window, as visibility lists them (waits until it lists `expected`). */
async function closedRuns(window: ArchiveWindow, expected?: number) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const runs: Array<{ workflowId: string; runId: string; closeTime: string }> = [];
    for await (const wf of client.workflow.list({ query: closedInWindowQuery(window) })) {
      runs.push({ workflowId: wf.workflowId, runId: wf.runId, closeTime: wf.closeTime!.toISOString() });
    }
    if (expected === undefined || runs.length === expected || Date.now() > deadline) return runs;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Archived history blobs of these workflow ids, wherever they are (any day of the window). */
async function archivedBlobsOf(window: ArchiveWindow, workflowIds: Set<string>) {
  const days = new Set([utcDayPath(window.from), utcDayPath(window.to)]);
  const names: string[] = [];
  for (const day of days) {
    for await (const b of container.listBlobsFlat({ prefix: `${day}/` })) {
      const segment = b.name.split('/')[3];
      if (b.name.endsWith('.json.gz') && segment && workflowIds.has(decodeURIComponent(segment))) names.push(b.name);
    }
  }
  return names.sort();
}

function scriptEnv(extra: Record<string, string> = {}) {
  const { PUSH_RECEIVER_LIST_URL: _, STACK_DATA_DIR: __, TEMPORAL_CLI: ___, ...env } = stackEnv();
  return { PATH: process.env.PATH ?? '', ...env, LOG_LEVEL: 'warn', ...extra };
}

/** Runs one of the npm scripts' entry points the way `npm run` does; resolves with its exit code and output. */
function runScript(script: string, args: string[], env = scriptEnv()): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', script, ...args],
      { cwd: PROJECT_ROOT, env, maxBuffer: 32 * 1024 * 1024 },
      (err, stdout, stderr) => {
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

const windowArgs = (w: ArchiveWindow) => ['--from', w.from, '--to', w.to, ...(w.taskQueue ? ['--task-queue', w.taskQueue] : [])];

async function runArchive(window: ArchiveWindow, cfg = config, tuning = {}, recordAs?: string) {
  const { workflowId } = await startArchive(client, cfg, window, { mode: 'rerun', tuning });
  const result = (await client.workflow.getHandle(workflowId).result()) as ArchiveWorkflowResult;
  if (recordAs) await maybeRecordHistory(client.workflow.getHandle(workflowId), recordAs);
  return result;
}

/** Who opens archived histories in this file (each opening is audited under this name). */
const opener = { actor: 'operator:archive-test', now: () => new Date() };

describe('archive of a batch of scans', () => {
  let window: ArchiveWindow;
  let runs: Array<{ workflowId: string; runId: string; closeTime: string }>;
  let scanIds: string[];

  beforeAll(async () => {
    const from = new Date(Date.now() - 1000).toISOString();
    // Completed, rejected (bad photos) and cancelled (while waiting for review).
    const good = await seedUploadedScan(firebase, blob, config);
    const bad = await seedUploadedScan(firebase, blob, config, {
      photos: { front: await makeSamplePhoto('front', { variant: 'blurry' }) },
    });
    const userId = newUserId();
    await seedMember(firebase.db, userId, { credits: 1 });
    await seedLeanerScanYesterday(firebase.db, userId, { leanMassKg: 75.4 });
    const flagged = await seedUploadedScan(firebase, blob, config, { userId });
    scanIds = [good, bad, flagged].map((s) => s.scanId);
    for (const s of [good, bad, flagged]) await startDailyScan(client, config, s, scanQueue);
    const handle = (id: string) => client.workflow.getHandle(workflowIdForScan(id));
    expect((await handle(good.scanId).result()).status).toBe('completed');
    expect((await handle(bad.scanId).result()).status).toBe('rejected');
    for (
      let p = await handle(flagged.scanId).query(progressQuery);
      p.status !== 'awaiting_review';
      p = await handle(flagged.scanId).query(progressQuery)
    ) {
      await new Promise((r) => setTimeout(r, 100));
    }
    await handle(flagged.scanId).cancel();
    await expect(handle(flagged.scanId).result()).rejects.toThrow(WorkflowFailedError);
    await new Promise((r) => setTimeout(r, 50));
    window = { from, to: new Date().toISOString(), taskQueue: scanQueue };
    runs = await closedRuns(window, 3);
    expect(runs).toHaveLength(3);
  }, 120_000);

  it('holds exactly one blob per closed run, as Temporal stores it, with metadata, and a manifest', async () => {
    const result = await runArchive(window, config, {}, 'archive');
    expect(result.counts).toEqual({ listed: 3, written: 3, alreadyArchived: 0, conflicts: 0 });
    expect(result.manifest).toMatchObject({ count: 3, outcome: 'written' });
    // The window's audit records went with it, hash-chained, written once beside the manifest.
    // (Other files' records of the same minutes are in it too: the trail is the window's, not the task queue's.)
    const audits = await auditRecordsInWindow(firebase.db, window);
    expect(result.manifest.auditTrail).toMatchObject({ count: audits.length, outcome: 'written' });
    const trail = (await container.getBlockBlobClient(result.manifest.auditTrail!.blob).downloadToBuffer()).toString();
    const lines = trail.trim().split('\n');
    expect(lines).toHaveLength(audits.length + 2); // header, records, footer
    const archived = lines.slice(1, -1).map((l) => JSON.parse(l) as { n: number; id: string; record: { scanId?: string; action: string } });
    expect(archived.map((l) => [l.n, l.id])).toEqual(audits.map((a, i) => [i + 1, a.id]));
    for (const scanId of scanIds) expect(archived.filter((l) => l.record.scanId === scanId).length).toBeGreaterThanOrEqual(2);
    expect(trail).not.toMatch(/"weightKg"|"bodyFatPercent"/);

    const expected = runs.map(historyBlobPath).sort();
    expect(await archivedBlobsOf(window, new Set(runs.map((r) => r.workflowId)))).toEqual(expected);

    const statuses: string[] = [];
    for (const run of runs) {
      const b = container.getBlockBlobClient(historyBlobPath(run));
      const { history, sha256, metadata } = await readArchivedHistory(b);
      // The (key-sorted) JSON of the history Temporal holds, each payload (still encoded as stored) sealed
      // again with the scan owner's archive key (docs/api.md "Right to erasure"): opened with it, byte for byte.
      const live = canonicalJson(JSON.parse(historyToJSON(await client.workflow.getHandle(run.workflowId, run.runId).fetchHistory())));
      expect(sha256).toBe(sha256Hex(canonicalJson(history)));
      expect(canonicalJson(await openArchivedScanHistory(firebase.db, archiveKeys, run.workflowId, history, opener))).toBe(live);
      expect(canonicalJson(history)).not.toBe(live);
      expect(metadata[ArchiveMetadata.sha256]).toBe(sha256);
      expect(metadata[ArchiveMetadata.workflowType]).toBe(DAILY_SCAN_WORKFLOW);
      expect(Number(metadata[ArchiveMetadata.eventCount])).toBe((history as { events: unknown[] }).events.length);
      statuses.push(metadata[ArchiveMetadata.closeStatus]!);
      expect(JSON.stringify(history)).not.toMatch(/"weightKg"|"bodyFatPercent"/); // payloads stay base64-encoded
    }
    expect(statuses.sort()).toEqual(['Canceled', 'Completed', 'Completed']);

    // The same format `temporal workflow show --output json` writes (what replay tests read).
    const cli = stackEnv().TEMPORAL_CLI;
    if (cli) {
      const run = runs[0]!;
      const shown = execFileSync(
        cli,
        [
          'workflow',
          'show',
          '--workflow-id',
          run.workflowId,
          '--run-id',
          run.runId,
          '--namespace',
          config.TEMPORAL_NAMESPACE,
          '--address',
          config.TEMPORAL_ADDRESS,
          '--output',
          'json',
        ],
        { encoding: 'utf8', maxBuffer: 64 << 20 },
      );
      const archived = (await readArchivedHistory(container.getBlockBlobClient(historyBlobPath(run)))).history;
      expect(await openArchivedScanHistory(firebase.db, archiveKeys, run.workflowId, archived, opener)).toEqual(JSON.parse(shown));
    }

    const manifest = JSON.parse((await container.getBlockBlobClient(result.manifest.blob).downloadToBuffer()).toString()) as {
      entries: ManifestEntry[];
      count: number;
      byCloseStatus: Record<string, number>;
    };
    expect(manifest.count).toBe(3);
    expect(manifest.byCloseStatus).toEqual({ Completed: 2, Canceled: 1 });
    expect(manifest.entries.map((e) => e.blob).sort()).toEqual(expected);
  });

  it('archive:verify re-reads every blob and the audit trail, and passes', async () => {
    const report = await verifyArchive({ client, container, window, db: firebase.db });
    expect(report).toMatchObject({ ok: true, closedExecutions: 3, manifestCount: 3, verifiedBlobs: 3, problems: [] });
    expect(report.auditRecords).toBe((await auditRecordsInWindow(firebase.db, window)).length);
    const cli = await runScript('scripts/archive-verify.ts', windowArgs(window));
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toContain('archive verified');
  });

  it('running the archive again writes nothing new and reports everything as already done', async () => {
    const before = await Promise.all(runs.map(async (r) => (await container.getBlockBlobClient(historyBlobPath(r)).getProperties()).etag));
    // By hand, through the npm script's entry point, under the same idempotent workflow id.
    const cli = await runScript('scripts/archive.ts', windowArgs(window), scriptEnv({ TEMPORAL_TASK_QUEUE: scanQueue }));
    expect(cli.code, cli.stderr).toBe(0);
    const result = JSON.parse(cli.stdout.trim().split('\n').at(-1)!) as ArchiveWorkflowResult & { workflowId: string; msg: string };
    expect(result.msg).toBe('archive finished');
    expect(result.workflowId).toBe(archiveWorkflowId(window));
    expect(result.counts).toEqual({ listed: 3, written: 0, alreadyArchived: 3, conflicts: 0 });
    expect(result.manifest.outcome).toBe('already_archived');
    expect(result.manifest.auditTrail?.outcome).toBe('already_archived');
    const after = await Promise.all(runs.map(async (r) => (await container.getBlockBlobClient(historyBlobPath(r)).getProperties()).etag));
    expect(after).toEqual(before);
  });

  it('npm run replay replays the archived histories against the current workflow code, each opening audited', async () => {
    const opened = async () =>
      (await firebase.db.collection(Collections.auditLogs).where('action', '==', 'archived_history_opened').get()).docs
        .map((d) => d.data())
        .filter((r) => scanIds.includes(r.scanId) && r.actor === 'operator:replay-test');
    // Decrypting members' histories without saying who you are is refused, and opens nothing.
    const anonymous = await runScript('scripts/replay.ts', ['--blob', ...windowArgs(window)]);
    expect(anonymous.code).toBe(64);
    expect(anonymous.stderr).toContain('--operator');
    expect(await opened()).toEqual([]);

    const cli = await runScript('scripts/replay.ts', ['--blob', '--operator', 'replay-test', ...windowArgs(window)]);
    expect(cli.code, cli.stdout + cli.stderr).toBe(0);
    expect(cli.stdout).toContain('"replayed":3');
    // One record per history opened, naming the scan, its member and who opened it.
    const records = await opened();
    expect(records.map((r) => r.scanId).sort()).toEqual([...scanIds].sort());
    for (const r of records)
      expect(r).toMatchObject({ outcome: 'opened', userId: expect.any(String), subject: { workflowId: expect.any(String) } });
  });

  it('an audit record edited or deleted after the archive, or a line cut from the trail, is named by archive:verify', async () => {
    // Two of this file's own records (other files' records of the window are theirs to read).
    const ours = (await auditRecordsInWindow(firebase.db, window)).filter((r) => scanIds.includes(String(r.record.scanId)));
    const [edited, deleted] = [ours[0]!.id, ours[1]!.id];
    const ref = (id: string) => firebase.db.collection(Collections.auditLogs).doc(id);
    const originals = await Promise.all([edited, deleted].map(async (id) => (await ref(id).get()).data()!));
    // Someone with database access rewrites who acted in one record and removes another.
    await ref(edited).update({ actor: 'reviewer:someone_else' });
    await ref(deleted).delete();
    try {
      const report = await verifyArchive({ client, container, window, db: firebase.db });
      expect(report.ok).toBe(false);
      expect(report.problems).toHaveLength(2);
      expect(report.problems).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ blob: `auditLogs/${edited}`, problem: 'audit_record_edited' }),
          expect.objectContaining({ blob: `auditLogs/${deleted}`, problem: 'audit_record_deleted' }),
        ]),
      );
      const cli = await runScript('scripts/archive-verify.ts', windowArgs(window));
      expect(cli.code).toBe(1);
      expect(cli.stderr).toContain(`BAD auditLogs/${edited}: audit_record_edited`);
      expect(cli.stderr).toContain(`BAD auditLogs/${deleted}: audit_record_deleted`);
    } finally {
      await ref(edited).set(originals[0]!);
      await ref(deleted).set(originals[1]!);
    }
    expect((await verifyArchive({ client, container, window, db: firebase.db })).ok).toBe(true);

    // The trail itself, a line cut where Azure's immutability policy would refuse it (Azurite has none):
    // its checksum no longer matches, and the chain names the record after the gap.
    const trailBlob = container.getBlockBlobClient((await runArchive(window)).manifest.auditTrail!.blob);
    const original = await trailBlob.downloadToBuffer();
    const props = await trailBlob.getProperties();
    const lines = original.toString().trimEnd().split('\n');
    const cut = Buffer.from(`${lines.filter((_, i) => i !== 2).join('\n')}\n`);
    await trailBlob.upload(cut, cut.length, { metadata: props.metadata });
    try {
      const report = await verifyArchive({ client, container, window, db: firebase.db });
      const removed = JSON.parse(lines[2]!).id as string;
      const after = JSON.parse(lines[3]!).id as string;
      expect(report.problems).toHaveLength(3);
      expect(report.problems).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ blob: trailBlob.name, problem: 'checksum_mismatch' }),
          expect.objectContaining({ blob: `auditLogs/${after}`, problem: 'audit_record_removed_from_trail' }),
          expect.objectContaining({ blob: `auditLogs/${removed}`, problem: 'audit_record_not_in_trail' }),
        ]),
      );
    } finally {
      await trailBlob.upload(original, original.length, { metadata: props.metadata });
    }
    expect((await verifyArchive({ client, container, window, db: firebase.db })).ok).toBe(true);
  });

  it('a tampered blob makes archive:verify fail and name it; a re-run alerts instead of overwriting', async () => {
    const victim = historyBlobPath(runs[0]!);
    const b = container.getBlockBlobClient(victim);
    const { history, metadata } = await readArchivedHistory(b);
    (history as { events: Array<{ taskId?: string }> }).events[0]!.taskId = '1';
    const forged = gzipSync(canonicalJson(history));
    await b.upload(forged, forged.length, { metadata }); // Azurite has no immutability policy; Azure would refuse this

    const report = await verifyArchive({ client, container, window });
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([expect.objectContaining({ blob: victim, problem: 'checksum_mismatch' })]);
    const cli = await runScript('scripts/archive-verify.ts', windowArgs(window));
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain(`BAD ${victim}`);

    // Metadata forged too: the archive job sees another checksum than Temporal's, alerts, and keeps the blob.
    await b.upload(forged, forged.length, { metadata: { ...metadata, [ArchiveMetadata.sha256]: sha256Hex(canonicalJson(history)) } });
    const etag = (await b.getProperties()).etag;
    const failed = await runArchive(window).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failed).toBeInstanceOf(WorkflowFailedError);
    expect((failed as WorkflowFailedError).cause).toMatchObject({ type: 'ArchiveChecksumConflict' });
    expect((failed as WorkflowFailedError).cause?.message).toContain(victim);
    expect((await b.getProperties()).etag).toBe(etag);
  });
});

describe('archive run with a worker crash', () => {
  it('a worker SIGKILLed mid-archive and restarted finishes with no missing and no duplicate blob', async () => {
    // Closed runs of a queue of their own: workflows started with no worker polling, then terminated.
    const fillerQueue = uniqueTaskQueue('archive-filler');
    const count = 360;
    const from = new Date(Date.now() - 1000).toISOString();
    const ids = Array.from({ length: count }, (_, i) => `archive-filler-${fillerQueue}-${i}`);
    for (let i = 0; i < count; i += 40) {
      await Promise.all(
        ids.slice(i, i + 40).map(async (workflowId) => {
          const h = await client.workflow.start(DAILY_SCAN_WORKFLOW, {
            taskQueue: fillerQueue,
            workflowId,
            args: [{ filler: true } as never],
          });
          await h.terminate('archive test filler');
        }),
      );
    }
    await new Promise((r) => setTimeout(r, 50));
    const window: ArchiveWindow = { from, to: new Date().toISOString(), taskQueue: fillerQueue };
    expect(await closedRuns(window, count)).toHaveLength(count);

    const archiveQueue = uniqueTaskQueue('archive-kill');
    const env = scriptEnv({ TEMPORAL_TASK_QUEUE: archiveQueue, WORKER_HEALTH_PORT: '0' });
    let proc = await spawnWorkerProcess(env);
    const cfg = testConfig({ TEMPORAL_TASK_QUEUE: archiveQueue });
    // Pages of 180, one history at a time, continue-as-new after every page, a short heartbeat timeout
    // (heartbeats reach the server at most every 0.8 × timeout, so a page must outlast that).
    const { workflowId } = await startArchive(client, cfg, window, {
      mode: 'rerun',
      tuning: { pageSize: 180, concurrency: 1, pagesPerRun: 1, heartbeatTimeoutSeconds: 1 },
    });
    const idSet = new Set(ids);
    // Kill once the server holds a heartbeat with a position inside a page: the retry must resume from it.
    let checkpoint: { page: number; done: number } | undefined;
    for (const deadline = Date.now() + 60_000; !checkpoint && Date.now() < deadline; ) {
      const pending = (await client.workflow.getHandle(workflowId).describe()).raw.pendingActivities ?? [];
      const payload = pending.find((a) => a.activityType?.name === 'archivePage')?.heartbeatDetails?.payloads?.[0];
      // Heartbeat details are payloads too, so encrypted: read them through the codec like any reader.
      const decoded = payload ? (await payloadDataConverter(cfg).payloadCodecs[0]!.decode([payload]))[0] : undefined;
      const details = decoded?.data
        ? (JSON.parse(Buffer.from(decoded.data).toString('utf8')) as { page: number; done: number })
        : undefined;
      if (details && details.done >= 5) checkpoint = details;
      else await new Promise((r) => setTimeout(r, 20));
    }
    proc.proc.kill('SIGKILL');
    expect(await proc.exited).toBeNull();
    const before = (await archivedBlobsOf(window, idSet)).length;
    expect(checkpoint).toBeDefined();
    expect(before).toBeLessThan(count); // killed mid-run

    proc = await spawnWorkerProcess(env);
    let result: ArchiveWorkflowResult;
    try {
      result = (await client.workflow.getHandle(workflowId).result()) as ArchiveWorkflowResult;
      expect(result.counts.listed).toBe(count);
      expect(result.counts.written + result.counts.alreadyArchived).toBe(count);
      expect(result.counts.conflicts).toBe(0);
      expect(result.continuedRuns).toBeGreaterThanOrEqual(1);
      expect(result.manifest.count).toBe(count);
      await maybeRecordHistory(client.workflow.getHandle(workflowId), 'archive-continued-after-crash');
      // The page in flight resumed from its heartbeat rather than from its start.
      expect(proc.output()).toContain('archive page resumed after a retry');
    } finally {
      proc.proc.kill('SIGTERM');
      await proc.exited;
    }
    const blobs = await archivedBlobsOf(window, idSet);
    expect(blobs).toHaveLength(count);
    expect(new Set(blobs.map((b) => b.split('/')[3])).size).toBe(count); // one per run, none twice
    // The window's audit records (every file's of those minutes) went with it and verify too.
    const report = await verifyArchive({ client, container, window, db: firebase.db });
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, closedExecutions: count, verifiedBlobs: count });
    expect(result.manifest.auditTrail?.count).toBe(report.auditRecords);
  }, 240_000);
});

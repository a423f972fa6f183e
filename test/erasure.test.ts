import type { Client } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { historyBlobPath } from '../common/archive/layout';
import { archiveKeysFromPayloadKeys, existingMemberDataKey, type MemberDataKey, openHistoryPayloads } from '../common/archive/member-keys';
import { startArchive } from '../common/archive/start-archive';
import { readArchivedHistory } from '../common/archive/store';
import type { ArchiveWorkflowResult } from '../common/contracts/archive';
import { workflowIdForErasure } from '../common/contracts/erasure';
import { workflowIdForScan } from '../common/contracts/scan';
import { Collections, type ScanDocument, Subcollections } from '../common/contracts/scan-document';
import { erasedShareDocId } from '../common/scans/report-shares';
import { createScanWithCredit, scanRef, userRef } from '../common/scans/repository';
import { startDailyScan } from '../common/scans/start-scan';
import { payloadDataConverter } from '../common/temporal/payload-encryption';
import { idTokenFor } from './helpers/auth';
import { deviceRegistration, newInstallationId } from './helpers/devices';
import { maybeRecordHistory } from './helpers/history';
import { api, startFunctionsHost } from './helpers/http';
import { measurements, newScanId, newUserId, scanWorkerSuite, seedMember, seedUploadedScan, startTestWorker } from './helpers/scan';
import { stackEnv, testConfig, uniqueTaskQueue } from './helpers/stack';
import { spawnWorkerProcess } from './helpers/worker-process';

// The right to erasure, end to end on the local stack: after DELETE /api/me completes, nothing of the
// member's health data is found in Firestore, Blob (uploads, sealed photos, and the archive read with
// every key that remains) or Temporal; their audit trail remains; another member is untouched.
describe('erasure: DELETE /api/me', () => {
  const taskQueue = uniqueTaskQueue('erase');
  const config = testConfig({ TEMPORAL_TASK_QUEUE: taskQueue, REVIEW_MIN_CONFIDENCE: '0' });
  const suite = scanWorkerSuite('erase', () => config, { host: {}, activitiesUseSuiteClient: true });
  const { firebase, blob } = suite;
  const archive = blob.getContainerClient(config.WORKFLOW_ARCHIVES_CONTAINER);
  const archiveKeys = archiveKeysFromPayloadKeys([Buffer.from(config.PAYLOAD_ENCRYPTION_KEY, 'base64')]);
  const codec = payloadDataConverter(config).payloadCodecs[0]!;
  const HEALTH = /weightKg|bodyFatPercent|heightCm|leanMass/;

  // DELETE /api/me needs a sign-in within the last 5 minutes (the app signs the member in again first);
  // these tests run scans and archives between sign-in and erasure.
  const signedInNow = (uid: string) => idTokenFor(firebase.auth, config, uid);
  const scanDoc = async (scanId: string) => (await scanRef(firebase.db, scanId).get()).data() as ScanDocument | undefined;

  async function completedScan(userId: string, cfg = config) {
    const scan = await seedUploadedScan(firebase, blob, cfg, { userId });
    await startDailyScan(suite.client, cfg, scan, taskQueue);
    if (cfg === config) expect((await suite.client.workflow.getHandle(scan.workflowId).result()).status).toBe('completed');
    return scan;
  }

  /** Every payload of an archived history, opened with the member keys given and the payload keys of the config. */
  async function readablePayloadTexts(history: unknown, members: MemberDataKey[]): Promise<string[]> {
    const opened = openHistoryPayloads(history, members);
    const texts: string[] = [];
    const walk = async (v: unknown): Promise<void> => {
      if (Array.isArray(v)) for (const x of v) await walk(x);
      else if (v && typeof v === 'object') {
        const o = v as Record<string, unknown>;
        if (o.metadata && typeof o.metadata === 'object' && typeof (o.metadata as Record<string, unknown>).encoding === 'string') {
          const metadata = Object.fromEntries(
            Object.entries(o.metadata as Record<string, string>).map(([k, b]) => [k, Buffer.from(b, 'base64')]),
          );
          const [decoded] = await codec.decode([{ metadata, data: Buffer.from(String(o.data ?? ''), 'base64') }]);
          texts.push(Buffer.from(decoded!.data ?? new Uint8Array()).toString('utf8'));
        } else for (const x of Object.values(o)) await walk(x);
      }
    };
    await walk(opened);
    return texts;
  }

  async function archivedHistoryOf(workflowId: string) {
    const desc = await suite.client.workflow.getHandle(workflowId).describe();
    const path = historyBlobPath({ workflowId, runId: desc.runId, closeTime: desc.closeTime!.toISOString() });
    return { path, read: () => readArchivedHistory(archive.getBlockBlobClient(path)) };
  }

  /** The nightly archive of the suite's closed scans since `from`, run now on the suite's worker. */
  async function archiveWindow(from: string) {
    const { workflowId } = await startArchive(suite.client, config, { from, to: new Date().toISOString(), taskQueue }, { mode: 'rerun' });
    const result = (await suite.client.workflow.getHandle(workflowId).result()) as ArchiveWorkflowResult;
    expect(result.counts.conflicts).toBe(0);
    return result;
  }

  async function visible(workflowId: string) {
    return Number(
      (
        await suite.client.workflowService.countWorkflowExecutions({
          namespace: config.TEMPORAL_NAMESPACE,
          query: `WorkflowId = '${workflowId}'`,
        })
      ).count ?? 0,
    );
  }

  async function erasureCompleted(token: string, h = suite.host) {
    for (const end = Date.now() + 120_000; Date.now() < end; await new Promise((r) => setTimeout(r, 300))) {
      const res = await api(h, '/api/me/erasure', { token });
      if (res.json?.status === 'completed') return res;
    }
    throw new Error('erasure did not complete');
  }

  /**
   * Everything Firestore holds that names the member, by collection: every top-level collection the
   * project writes and every subcollection (as a collection group), whole documents searched.
   */
  async function firestoreMentions(userId: string, scanIds: string[]) {
    const ids = [userId, ...scanIds];
    const found: Record<string, string[]> = {};
    const groups = [
      ...[
        Collections.users,
        Collections.scans,
        Collections.auditLogs,
        Collections.erasures,
        Collections.memberKeys,
        Collections.reportShares,
      ].map((c) => ({
        name: c,
        query: firebase.db.collection(c),
      })),
      ...[...Subcollections.users, ...Subcollections.scans].map((c) => ({ name: `*/${c}`, query: firebase.db.collectionGroup(c) })),
      // The local Firestore stand-in answers a collection-group query with nothing: the member's own
      // subcollections and their scans' are read directly as well.
      ...Subcollections.users.map((c) => ({ name: `*/${c}`, query: userRef(firebase.db, userId).collection(c) })),
      ...scanIds.flatMap((id) =>
        Subcollections.scans.map((c) => ({ name: `*/${c}`, query: firebase.db.collection(Collections.scans).doc(id).collection(c) })),
      ),
    ];
    for (const { name, query } of groups) {
      for (const doc of (await query.get()).docs) {
        const text = JSON.stringify(doc.data());
        if (ids.some((id) => doc.ref.path.includes(id) || text.includes(id))) found[name] = [...(found[name] ?? []), text];
      }
    }
    return found;
  }

  it('erases scans, photos, history, consents, push tokens, Temporal records and archived results; keeps the audit trail', async () => {
    const member = newUserId();
    const other = newUserId();
    await seedMember(firebase.db, member, { credits: 5 });
    await seedMember(firebase.db, other, { credits: 1 });
    const token = await idTokenFor(firebase.auth, config, member);
    // Two phones registered through the API (users/{uid}/devices; the search below covers that collection group).
    for (const phone of [newInstallationId(), newInstallationId()]) {
      const registered = await api(suite.host, `/api/me/devices/${phone}`, { method: 'PUT', token, json: deviceRegistration() });
      expect(registered.status, registered.text).toBe(201);
    }
    expect((await userRef(firebase.db, member).collection(Collections.devices).get()).size).toBe(2);

    const from = new Date(Date.now() - 1000).toISOString();
    const done = await completedScan(member);
    const othersDone = await completedScan(other);
    // A link for a coach to the completed scan's report, made and opened through the API.
    const shared = await api(suite.host, `/api/scans/${done.scanId}/shares`, {
      method: 'POST',
      token,
      json: { lifetimeDays: 30, firstName: 'Erin' },
    });
    expect(shared.status, shared.text).toBe(201);
    const sharedPath = new URL(shared.json.url).pathname;
    expect((await api(suite.host, sharedPath)).status).toBe(200);
    // Open scans: one waiting for its photos, one whose workflow waits for a review (its photos are
    // deleted by its own retention when the erasure cancels it: 4 photos are left for the photo step).
    const waiting = await createScanWithCredit(firebase.db, {
      scanId: newScanId(),
      userId: member,
      measurements: measurements(),
      now: new Date(),
    });
    const reviewing = await seedUploadedScan(firebase, blob, config, { userId: member });
    await startDailyScan(suite.client, testConfig({ TEMPORAL_TASK_QUEUE: taskQueue, REVIEW_MIN_CONFIDENCE: '1' }), reviewing, taskQueue);
    for (const end = Date.now() + 60_000; (await scanDoc(reviewing.scanId))?.status !== 'awaiting_review' && Date.now() < end; )
      await new Promise((r) => setTimeout(r, 200));
    expect((await scanDoc(reviewing.scanId))?.status).toBe('awaiting_review');

    // The nightly archive of the closed scans: the member's payloads are sealed with their data key.
    const { workflowId: archiveId } = await startArchive(
      suite.client,
      config,
      { from, to: new Date().toISOString(), taskQueue },
      { mode: 'rerun' },
    );
    expect(((await suite.client.workflow.getHandle(archiveId).result()) as ArchiveWorkflowResult).counts.conflicts).toBe(0);
    const archived = await archivedHistoryOf(done.workflowId);
    const othersArchived = await archivedHistoryOf(othersDone.workflowId);
    const memberKey = (await existingMemberDataKey(firebase.db, archiveKeys, member))!;
    expect(memberKey).toBeDefined();
    const before = (await archived.read()).history;
    // The search can find health data: with the member's key it does, with the payload keys alone it does not.
    expect((await readablePayloadTexts(before, [memberKey])).some((t) => HEALTH.test(t))).toBe(true);
    expect((await readablePayloadTexts(before, [])).some((t) => HEALTH.test(t))).toBe(false);

    const first = await api(suite.host, '/api/me', { method: 'DELETE', token: await signedInNow(member) });
    expect(first.status, first.text).toBe(202);
    expect(first.headers.get('location')).toBe(`${suite.host.url}/api/me/erasure`);
    const again = await api(suite.host, '/api/me', { method: 'DELETE', token: await signedInNow(member) });
    expect(again.json.requestedAt).toBe(first.json.requestedAt); // the same erasure
    const completed = await erasureCompleted(token);
    expect(completed.json).toMatchObject({ status: 'completed', requestedAt: first.json.requestedAt, completedAt: expect.any(String) });
    const record = (await firebase.db.collection(Collections.erasures).doc(member).get()).data();
    expect(record?.counts).toEqual({
      scansCancelled: 2,
      scansDeleted: 3,
      photosDeleted: 4,
      executionsDeleted: 2,
      archiveKeyDestroyed: true,
    });
    await maybeRecordHistory(suite.client.workflow.getHandle(workflowIdForErasure(member, 1)), 'erase-member-last-sweep');
    const repeat = await api(suite.host, '/api/me', { method: 'DELETE', token: await signedInNow(member) });
    expect({ status: repeat.status, requestedAt: repeat.json.requestedAt }).toEqual({ status: 200, requestedAt: first.json.requestedAt });

    // The coach's link: gone (410, not 404), and what is left of it is its token's hash and expiry.
    const gone = await api(suite.host, sharedPath);
    expect({ status: gone.status, code: gone.json?.code }).toEqual({ status: 410, code: 'share_gone' });
    expect((await firebase.db.collection(Collections.reportShares).doc(shared.json.shareId).get()).exists).toBe(false);
    const tombstone = (await firebase.db.collection(Collections.reportShares).doc(erasedShareDocId(shared.json.shareId)).get()).data();
    expect(Object.keys(tombstone ?? {}).sort()).toEqual(['erasedAt', 'expiresAt', 'shareId', 'tokenHash']);

    // Firestore: only the audit trail and the erasure record name the member, with identifiers only.
    const mentions = await firestoreMentions(
      member,
      [done, waiting, reviewing].map((x) => x.scanId),
    );
    expect(Object.keys(mentions).sort()).toEqual([Collections.auditLogs, Collections.erasures].sort());
    // Named here, not only through Subcollections, which both the erasure and the search above follow.
    expect((await userRef(firebase.db, member).collection(Collections.devices).get()).size).toBe(0);
    for (const text of Object.values(mentions).flat()) expect(text).not.toMatch(HEALTH);
    const audits = mentions[Collections.auditLogs]!.map((t) => JSON.parse(t) as { action: string });
    expect(audits.filter((a) => a.action === 'member_erased')).toHaveLength(1);
    expect(audits.filter((a) => a.action === 'erasure_requested')).toHaveLength(1);
    expect(audits.some((a) => a.action === 'scan_completed' || a.action === 'results_persisted')).toBe(true);

    // Blob: no upload, no sealed photo; the archived history is still there (write-once) but unreadable.
    for (const name of [config.SCAN_UPLOADS_CONTAINER, config.SEALED_PHOTOS_CONTAINER]) {
      const left = [];
      for await (const b of blob.getContainerClient(name).listBlobsFlat({ prefix: `${member}/` })) left.push(b.name);
      expect({ container: name, left }).toEqual({ container: name, left: [] });
    }
    expect(await existingMemberDataKey(firebase.db, archiveKeys, member)).toBeUndefined();
    const after = await archived.read();
    expect(after.history).toEqual(before);
    expect((await readablePayloadTexts(after.history, [])).some((t) => HEALTH.test(t))).toBe(false);

    // Temporal: the member's scan runs are gone from visibility (and history).
    for (const scan of [done, waiting, reviewing]) expect(await visible(workflowIdForScan(scan.scanId))).toBe(0);

    // The other member: untouched.
    expect((await scanDoc(othersDone.scanId))?.status).toBe('completed');
    expect(await visible(othersDone.workflowId)).toBe(1);
    const othersKey = (await existingMemberDataKey(firebase.db, archiveKeys, other))!;
    expect((await readablePayloadTexts((await othersArchived.read()).history, [othersKey])).some((t) => HEALTH.test(t))).toBe(true);
    expect(await blob.getContainerClient(config.SEALED_PHOTOS_CONTAINER).getBlockBlobClient(othersDone.photos.front!).exists()).toBe(true);
  }, 240_000);

  it('a worker killed mid-erasure: the erasure resumes on the next worker and erases everything once', async () => {
    const killQueue = uniqueTaskQueue('erase-kill');
    const killConfig = testConfig({ TEMPORAL_TASK_QUEUE: killQueue, REVIEW_MIN_CONFIDENCE: '0' });
    const member = newUserId();
    await seedMember(firebase.db, member, { credits: 5 });
    const token = await idTokenFor(firebase.auth, config, member);
    const scans = [await completedScan(member), await completedScan(member), await completedScan(member)];

    const killHost = await startFunctionsHost(killConfig);
    const { PUSH_RECEIVER_LIST_URL: _, STACK_DATA_DIR: __, ...env } = stackEnv();
    const proc = await spawnWorkerProcess({ ...env, TEMPORAL_TASK_QUEUE: killQueue, WORKER_HEALTH_PORT: '0', LOG_LEVEL: 'warn' });
    let second: Awaited<ReturnType<typeof startTestWorker>> | undefined;
    try {
      expect((await api(killHost, '/api/me', { method: 'DELETE', token: await signedInNow(member) })).status).toBe(202);
      // Killed once the first step is done: the rest is left to the next worker.
      const handle = suite.client.workflow.getHandle(workflowIdForErasure(member, 1));
      for (const end = Date.now() + 60_000; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
        const events = (await handle.fetchHistory()).events ?? [];
        if (events.some((e) => e.activityTaskCompletedEventAttributes)) break;
      }
      proc.proc.kill('SIGKILL');
      expect(await proc.exited).toBeNull();

      second = await startTestWorker(killConfig, firebase, blob, { taskQueue: killQueue, deps: { temporal: suite.client } });
      const completed = await erasureCompleted(token, killHost);
      expect(completed.json.status).toBe('completed');
    } finally {
      if (proc.proc.exitCode === null && proc.proc.signalCode === null) proc.proc.kill('SIGKILL');
      await second?.stop();
      await killHost.close();
    }
    const record = (await firebase.db.collection(Collections.erasures).doc(member).get()).data();
    expect(record?.counts).toMatchObject({ scansDeleted: 3, archiveKeyDestroyed: expect.any(Boolean) });
    const mentions = await firestoreMentions(
      member,
      scans.map((x) => x.scanId),
    );
    expect(Object.keys(mentions).sort()).toEqual([Collections.auditLogs, Collections.erasures].sort());
    const audits = mentions[Collections.auditLogs]!.map((t) => JSON.parse(t) as { action: string });
    expect(audits.filter((a) => a.action === 'member_erased')).toHaveLength(1);
    for (const scan of scans) expect(await visible(scan.workflowId)).toBe(0);
    const left = [];
    for await (const b of blob.getContainerClient(config.SEALED_PHOTOS_CONTAINER).listBlobsFlat({ prefix: `${member}/` }))
      left.push(b.name);
    expect(left).toEqual([]);
  }, 240_000);

  it('a member who comes back after an erasure and erases again: a new erasure, and nothing of either period remains', async () => {
    const member = newUserId();
    await seedMember(firebase.db, member, { credits: 2 });
    const token = await idTokenFor(firebase.auth, config, member);
    const firstFrom = new Date(Date.now() - 1000).toISOString();
    const firstScan = await completedScan(member);
    await archiveWindow(firstFrom);
    const firstArchived = await archivedHistoryOf(firstScan.workflowId);
    expect(await existingMemberDataKey(firebase.db, archiveKeys, member)).toBeDefined();

    const first = await api(suite.host, '/api/me', { method: 'DELETE', token: await signedInNow(member) });
    expect(first.status, first.text).toBe(202);
    await erasureCompleted(token);
    // Nothing stored since: the same, completed erasure.
    const nothingNew = await api(suite.host, '/api/me', { method: 'DELETE', token: await signedInNow(member) });
    expect({ status: nothingNew.status, requestedAt: nothingNew.json.requestedAt }).toEqual({
      status: 200,
      requestedAt: first.json.requestedAt,
    });

    // The member comes back: a profile, credits and consent again, a scan completed and archived (a new member key).
    await seedMember(firebase.db, member, { credits: 1 });
    const secondFrom = new Date(Date.now() - 1000).toISOString();
    const secondScan = await completedScan(member);
    await archiveWindow(secondFrom);
    const secondArchived = await archivedHistoryOf(secondScan.workflowId);
    const secondKey = (await existingMemberDataKey(firebase.db, archiveKeys, member))!;
    expect((await readablePayloadTexts((await secondArchived.read()).history, [secondKey])).some((t) => HEALTH.test(t))).toBe(true);

    const second = await api(suite.host, '/api/me', { method: 'DELETE', token: await signedInNow(member) });
    expect(second.status, second.text).toBe(202);
    expect(second.json.requestedAt).not.toBe(first.json.requestedAt);
    const completed = await erasureCompleted(token);
    expect(completed.json.requestedAt).toBe(second.json.requestedAt);
    // Each erasure has its own record and workflow.
    const runs = await firebase.db.collection(Collections.erasures).doc(member).collection(Collections.erasureRuns).get();
    expect(runs.docs.map((d) => [d.id, d.get('status'), d.get('workflowId')]).sort()).toEqual([
      ['1', 'completed', workflowIdForErasure(member, 1)],
      ['2', 'completed', workflowIdForErasure(member, 2)],
    ]);

    // The erasure search: nothing of either period in Firestore, Blob, Temporal or the archive.
    const mentions = await firestoreMentions(member, [firstScan.scanId, secondScan.scanId]);
    expect(Object.keys(mentions).sort()).toEqual([Collections.auditLogs, Collections.erasures].sort());
    for (const text of Object.values(mentions).flat()) expect(text).not.toMatch(HEALTH);
    const audits = mentions[Collections.auditLogs]!.map((t) => JSON.parse(t) as { action: string });
    expect(audits.filter((a) => a.action === 'erasure_requested')).toHaveLength(2);
    expect(audits.filter((a) => a.action === 'member_erased')).toHaveLength(2);
    for (const name of [config.SCAN_UPLOADS_CONTAINER, config.SEALED_PHOTOS_CONTAINER]) {
      const left = [];
      for await (const b of blob
        .getContainerClient(name)
        .listBlobsFlat({ prefix: `${member}/`, includeSnapshots: true, includeVersions: true }))
        left.push(b.name);
      expect({ container: name, left }).toEqual({ container: name, left: [] });
    }
    for (const scan of [firstScan, secondScan]) expect(await visible(scan.workflowId)).toBe(0);
    expect(await existingMemberDataKey(firebase.db, archiveKeys, member)).toBeUndefined();
    for (const archived of [firstArchived, secondArchived])
      expect((await readablePayloadTexts((await archived.read()).history, [])).some((t) => HEALTH.test(t))).toBe(false);
  }, 240_000);

  describe('an archive run racing an erasure archives nothing readable without the member key', () => {
    const archiveQueue = uniqueTaskQueue('erase-archive');
    const archiveConfig = testConfig({ TEMPORAL_TASK_QUEUE: archiveQueue });

    /**
     * The suite's Temporal client, except that fetching the history of `workflowId` runs `race` between
     * the fetch and the archive's next step (the worst moment: the history is in hand, nothing written).
     */
    function clientRacing(workflowId: string, race: () => Promise<void>): Client {
      let raced = false;
      const workflow = new Proxy(suite.client.workflow, {
        get(target, prop) {
          if (prop !== 'getHandle') {
            const value = Reflect.get(target, prop);
            return typeof value === 'function' ? value.bind(target) : value;
          }
          return (id: string, runId?: string) => {
            const handle = target.getHandle(id, runId);
            if (id !== workflowId) return handle;
            return Object.assign(Object.create(handle), {
              fetchHistory: async () => {
                const history = await handle.fetchHistory();
                if (!raced) {
                  raced = true;
                  await race();
                }
                return history;
              },
            });
          };
        },
      });
      return new Proxy(suite.client, { get: (target, prop) => (prop === 'workflow' ? workflow : Reflect.get(target, prop)) });
    }

    /** Archives the suite's scans closed since `from` on a worker whose archive activities use `temporal`. */
    async function archiveWith(temporal: Client, from: string) {
      const worker = await startTestWorker(archiveConfig, firebase, blob, { taskQueue: archiveQueue, deps: { temporal } });
      try {
        const { workflowId } = await startArchive(
          suite.client,
          archiveConfig,
          { from, to: new Date().toISOString(), taskQueue },
          // The race runs inside the archive's activity: its heartbeat allowance covers a whole erasure.
          { mode: 'rerun', taskQueue: archiveQueue, tuning: { heartbeatTimeoutSeconds: 600 } },
        );
        return (await suite.client.workflow.getHandle(workflowId).result()) as ArchiveWorkflowResult;
      } finally {
        await worker.stop();
      }
    }

    /** Nothing of the scan is readable in the archive with the keys that remain, and no member key remains. */
    async function nothingReadable(member: string, archived: Awaited<ReturnType<typeof archivedHistoryOf>>) {
      expect(await existingMemberDataKey(firebase.db, archiveKeys, member)).toBeUndefined();
      const stored = await blob.getContainerClient(config.WORKFLOW_ARCHIVES_CONTAINER).getBlockBlobClient(archived.path).exists();
      if (stored) expect((await readablePayloadTexts((await archived.read()).history, [])).some((t) => HEALTH.test(t))).toBe(false);
      return stored;
    }

    it('erased between the history fetch and the write (scan document and key gone): the history is not archived at all', async () => {
      const member = newUserId();
      await seedMember(firebase.db, member, { credits: 1 });
      const token = await idTokenFor(firebase.auth, config, member);
      const from = new Date(Date.now() - 1000).toISOString();
      const scan = await completedScan(member);
      const archived = await archivedHistoryOf(scan.workflowId);
      const result = await archiveWith(
        clientRacing(scan.workflowId, async () => {
          expect((await api(suite.host, '/api/me', { method: 'DELETE', token: await signedInNow(member) })).status).toBe(202);
          await erasureCompleted(token);
        }),
        from,
      );
      expect(result.counts.conflicts).toBe(0);
      // Withheld: neither under the payload key alone nor under a member key made after the erasure.
      expect(await nothingReadable(member, archived)).toBe(false);
    }, 240_000);

    it('an erasure started while the history is archived: whatever order things happen in, nothing readable stays', async () => {
      const member = newUserId();
      await seedMember(firebase.db, member, { credits: 1 });
      const token = await idTokenFor(firebase.auth, config, member);
      const from = new Date(Date.now() - 1000).toISOString();
      const scan = await completedScan(member);
      const archived = await archivedHistoryOf(scan.workflowId);
      await archiveWith(
        clientRacing(scan.workflowId, async () => {
          expect((await api(suite.host, '/api/me', { method: 'DELETE', token: await signedInNow(member) })).status).toBe(202);
        }),
        from,
      );
      await erasureCompleted(token);
      await nothingReadable(member, archived);
    }, 240_000);

    it('no member key is created for a member whose erasure runs: the history waits for the erasure to delete it', async () => {
      const member = newUserId();
      await seedMember(firebase.db, member, { credits: 1 });
      const from = new Date(Date.now() - 1000).toISOString();
      const scan = await completedScan(member);
      const archived = await archivedHistoryOf(scan.workflowId);
      // The tombstone of an erasure that has begun (no worker picks this one up).
      await firebase.db
        .collection(Collections.erasures)
        .doc(member)
        .set({
          userId: member,
          status: 'running',
          workflowId: workflowIdForErasure(member, 1),
          requestedAt: new Date().toISOString(),
          sequence: 1,
        });
      await archiveWith(suite.client, from);
      expect(await nothingReadable(member, archived)).toBe(false);
    }, 120_000);
  });
});

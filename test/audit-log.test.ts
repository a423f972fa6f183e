import { randomUUID } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { auditRecordsInWindow } from '../common/archive/audit-trail';
import { createFirebase } from '../common/clients/firebase';
import { Collections } from '../common/contracts/scan-document';
import { type AuditEntry, AuditRecordSchema, appendAudit, prepareAudits, writeAudit } from '../common/scans/audit-log';
import { activityOccurrence } from '../worker/activities/scan-progress';
import { newScanId, newUserId } from './helpers/scan';
import { testConfig } from './helpers/stack';

// Audit records are created, never updated: a repeated action is a new record, concurrent writers never
// compete for an id, and a retried activity (the same execution, another attempt) finds the record its
// earlier attempt wrote and writes none.
describe('audit records on the Firestore emulator', () => {
  const firebase = createFirebase(testConfig(), `audit-${randomUUID()}`);
  afterAll(() => firebase.close());
  const stored = async (scanId: string) =>
    (await firebase.db.collection(Collections.auditLogs).where('scanId', '==', scanId).get()).docs.map((d) => ({
      id: d.id,
      ...AuditRecordSchema.parse(d.data()),
    }));
  const execution = (scanId: string, activityId: string, attempt: number) =>
    new MockActivityEnvironment({ activityId, attempt, workflowExecution: { workflowId: `daily-scan-${scanId}`, runId: 'run-1' } });
  const refused = (scanId: string, userId: string): AuditEntry => ({
    scanId,
    userId,
    action: 'review_decision_refused',
    outcome: 'signature_invalid',
    actor: 'system:worker',
  });

  it('a repeated action is a new record each time; the attempts of one activity execution write one', async () => {
    const scanId = newScanId();
    const entry = refused(scanId, newUserId());
    // What every auditing activity does: write under its execution's occurrence.
    const recordAudit = (e: AuditEntry) => writeAudit(firebase.db, e, new Date(), activityOccurrence());

    // One activity execution, three attempts (its worker died after the write, twice): one record.
    for (const attempt of [1, 2, 3]) await execution(scanId, '12', attempt).run(recordAudit, entry);
    expect(await stored(scanId)).toHaveLength(1);

    // The same action again in another execution (another refused decision), twice tried: a second record.
    await execution(scanId, '19', 1).run(recordAudit, entry);
    await execution(scanId, '19', 2).run(recordAudit, entry);
    // And from the functions app, where every call is an action of its own: two more.
    await appendAudit(firebase.db, entry, new Date());
    await appendAudit(firebase.db, entry, new Date());
    const records = await stored(scanId);
    expect(records).toHaveLength(4);
    expect(new Set(records.map((r) => r.id)).size).toBe(4);
    // Each carries the commit time Firestore stamped on it: the order and numbering of the archived trail.
    for (const r of records) expect(r.recordedAt).toEqual({ seconds: expect.any(Number), nanoseconds: expect.any(Number) });
  });

  it('concurrent writers of the same scan action all get their own record, without a retry', async () => {
    const scanId = newScanId();
    const read: AuditEntry = { scanId, userId: newUserId(), action: 'health_data_read', outcome: 'read', actor: 'reviewer:r1' };
    // Twelve reads of one scan audited at once (reviewers opening it): twelve records, nobody waits for a number.
    await Promise.all(Array.from({ length: 12 }, () => appendAudit(firebase.db, read, new Date())));
    expect(await stored(scanId)).toHaveLength(12);
    // Five attempts of one activity execution at once (a timed-out attempt still running beside its retry): one.
    const entry = refused(scanId, read.userId);
    await Promise.all(
      [1, 2, 3, 4, 5].map((attempt) =>
        execution(scanId, '3', attempt).run(() => writeAudit(firebase.db, entry, new Date(), activityOccurrence())),
      ),
    );
    expect((await stored(scanId)).filter((r) => r.action === entry.action)).toHaveLength(1);
  });

  it("an existing record is never changed: a retry with other content (the push's delivery count) leaves the first", async () => {
    const scanId = newScanId();
    const userId = newUserId();
    const notified = (outcome: string): AuditEntry => ({ scanId, userId, action: 'member_notified', outcome, actor: 'system:worker' });
    // What notifyMember does: the record in the transaction that marks the push sent.
    const inTransaction = (entry: AuditEntry) => () =>
      firebase.db.runTransaction(async (tx) => (await prepareAudits(tx, firebase.db, [entry], activityOccurrence()))(new Date()));
    await execution(scanId, '7', 1).run(inTransaction(notified('sent.webhook')));
    const [first] = await stored(scanId);
    await execution(scanId, '7', 2).run(inTransaction(notified('no_device.webhook')));
    expect(await stored(scanId)).toEqual([first]);
  });

  it("a window's records are read a page at a time, in commit-time order, each once", async () => {
    const from = new Date(Date.now() - 1000).toISOString();
    const scanId = newScanId();
    const entry = refused(scanId, newUserId());
    for (let i = 0; i < 7; i++) await appendAudit(firebase.db, entry, new Date());
    const to = new Date(Date.now() + 1000).toISOString();
    // Pages of 2: the local stand-in ignores query cursors, so this pages by key (a cursor would loop).
    const pages: number[] = [];
    const read = await auditRecordsInWindow(firebase.db, { from, to }, { pageSize: 2, onPage: (n) => pages.push(n) });
    const ours = read.filter((r) => r.record.scanId === scanId);
    expect(ours).toHaveLength(7);
    expect(new Set(read.map((r) => r.id)).size).toBe(read.length);
    expect(pages.length).toBeGreaterThan(1);
    const keys = read.map((r) => [r.record.recordedAt.seconds, r.record.recordedAt.nanoseconds, r.id] as const);
    expect(keys).toEqual([...keys].sort((a, b) => a[0] - b[0] || a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0)));
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFirebase } from '../common/clients/firebase';
import { MEMBER_MESSAGES } from '../common/contracts/failures';
import type { ScanStatus, ScanStep } from '../common/contracts/scan';
import { Collections } from '../common/contracts/scan-document';
import { createScanWithCredit, scanRef, updateScan } from '../common/scans/repository';
import { createDeps, type Deps } from '../functions/deps';
import { type LocalHost, startLocalHost } from '../functions/local-host';
import { progressOf, recordScanStep } from '../worker/activities/scan-progress';
import { idTokenFor } from './helpers/auth';
import { api, problemOf, startFunctionsHost } from './helpers/http';
import { sampleScanResults } from './helpers/sample-results';
import { measurements, newScanId, newUserId, seedMember } from './helpers/scan';
import { type EventStream, openEventStream, type SseEvent } from './helpers/sse';
import { testConfig, uniqueTaskQueue } from './helpers/stack';

// GET /api/scans/{scanId}/events against the real Firestore emulator's listener. The scan's changes are
// made with the writes the worker's activities make (updateScan, recordScanStep), one at a time, each
// awaited on the stream before the next, so the order and content of every event is what is checked.
// How soon an event follows its change is measured by `npm run bench`, not here.

/** Every key an event's data may have: status, progress step names, links, reasons; nothing of the member's body. */
const EVENT_KEYS = new Set(['scanId', 'status', 'progress', 'step', 'percent', 'review', 'message', 'reviewDeadline', 'statusUrl']);
const END_KEYS = new Set(['scanId', 'status', 'resultsUrl', 'reportUrl', 'reason', 'code', 'message', 'details', 'angle', 'statusUrl']);
function keysOf(value: unknown, into = new Set<string>()): Set<string> {
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (!Array.isArray(value)) into.add(k);
      keysOf(v, into);
    }
  }
  return into;
}

describe('functions: a scan watched live (Server-Sent Events)', () => {
  const config = testConfig({
    TEMPORAL_TASK_QUEUE: uniqueTaskQueue('fn-events'),
    SCAN_EVENTS_MAX_SECONDS: '120',
    SCAN_EVENTS_HEARTBEAT_SECONDS: '60',
  });
  // The limit small, heartbeats smaller: a stream left open is closed by the server.
  const shortConfig = testConfig({
    TEMPORAL_TASK_QUEUE: uniqueTaskQueue('fn-events-short'),
    SCAN_EVENTS_MAX_SECONDS: '3',
    SCAN_EVENTS_HEARTBEAT_SECONDS: '1',
  });
  const firebase = createFirebase(config, `fn-events-${randomUUID()}`);
  let host: LocalHost;
  let shortHost: LocalHost;
  const owner = newUserId();
  const stranger = newUserId();
  let ownerToken: string;
  let strangerToken: string;
  const open: EventStream[] = [];
  let ownDeps: Deps | undefined;
  let temporalCalls = 0;

  beforeAll(async () => {
    await seedMember(firebase.db, owner, { credits: 10 });
    await seedMember(firebase.db, stranger, { credits: 0 });
    ownerToken = await idTokenFor(firebase.auth, config, owner);
    strangerToken = await idTokenFor(firebase.auth, config, stranger);
    // The main host's Temporal client counts its uses: watching a scan must make none (no query, no action).
    ownDeps = createDeps(config, {
      firebaseAppName: `fn-events-host-${randomUUID()}`,
      temporal: () => {
        temporalCalls++;
        return Promise.reject(new Error('the event stream must not reach Temporal'));
      },
    });
    [host, shortHost] = await Promise.all([
      startLocalHost({ config, port: 0, deps: ownDeps, timers: false }),
      startFunctionsHost(shortConfig),
    ]);
  });
  afterAll(async () => {
    for (const s of open) s.close();
    await Promise.all([host?.close(), shortHost?.close()]);
    await ownDeps?.close();
    await firebase.close();
  });

  const newScan = async () =>
    (await createScanWithCredit(firebase.db, { scanId: newScanId(), userId: owner, measurements: measurements(), now: new Date() })).scanId;
  const watch = async (on: LocalHost, scanId: string, opts: { lastEventId?: string; token?: string } = {}) => {
    const stream = await openEventStream(on, `/api/scans/${scanId}/events`, { token: ownerToken, ...opts });
    open.push(stream);
    return stream;
  };
  /** A status move with its progress, as the worker's activities write it. */
  const move = (scanId: string, to: ScanStatus, step: ScanStep | undefined, fields: Record<string, unknown> = {}) =>
    updateScan(firebase.db, scanId, { now: new Date(), to, fields: { ...(step ? { progress: progressOf(to, step) } : {}), ...fields } });
  const step = (scanId: string, s: ScanStep) => recordScanStep({ db: firebase.db, now: () => new Date() }, { scanId, step: s });
  const statusUrl = (scanId: string) => `${host.url}/api/scans/${scanId}`;
  const statusEvent = (scanId: string, status: string, stepName: string, percent: number) => ({
    event: 'status',
    data: { scanId, status, progress: { status, step: stepName, percent }, statusUrl: statusUrl(scanId) },
  });

  it('delivers the current state at once, then each status change of a running scan in order, then the end, and closes', async () => {
    const id = await newScan();
    const stream = await watch(host, id);
    expect(stream.status).toBe(200);
    expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(stream.headers.get('cache-control')).toBe('no-store');

    const received: SseEvent[] = [];
    const expectNext = async (expected: { event: string; data: unknown }) => {
      const e = await stream.nextEvent();
      expect(e).toMatchObject(expected);
      received.push(e!);
    };
    await expectNext(statusEvent(id, 'awaiting_upload', 'awaiting_upload', 0));
    await move(id, 'queued', undefined); // as the upload trigger writes it: status only
    await expectNext(statusEvent(id, 'queued', 'queued', 0));
    await move(id, 'running', 'consent');
    await expectNext(statusEvent(id, 'running', 'consent', 5));
    for (const [s, percent] of [
      ['quality', 15],
      ['estimate', 35],
    ] as const) {
      await step(id, s);
      await expectNext(statusEvent(id, 'running', s, percent));
    }
    // A write that changes nothing the member is shown is no event: the next one is the next step.
    await scanRef(firebase.db, id).update({ updatedAt: new Date().toISOString() });
    await step(id, 'deltas');
    await expectNext(statusEvent(id, 'running', 'deltas', 50));

    const reviewDeadline = new Date(Date.now() + 3600_000).toISOString();
    await move(id, 'awaiting_review', 'review', {
      review: { reasons: ['implausible_change'], enteredReviewAt: new Date().toISOString(), reviewDeadline, onTimeout: 'reject' },
    });
    await expectNext({
      event: 'status',
      data: {
        scanId: id,
        status: 'awaiting_review',
        progress: { status: 'awaiting_review', step: 'review', percent: 75 },
        review: { message: MEMBER_MESSAGES.in_review, reviewDeadline },
      },
    });
    await move(id, 'running', 'review');
    await expectNext(statusEvent(id, 'running', 'review', 75));
    await step(id, 'persist');
    await expectNext(statusEvent(id, 'running', 'persist', 85));
    await move(id, 'completed', 'done', { results: await sampleScanResults(), 'credit.state': 'consumed' });
    await expectNext({
      event: 'end',
      data: { scanId: id, status: 'completed', resultsUrl: statusUrl(id), reportUrl: `${statusUrl(id)}/report` },
    });
    expect(await stream.rest()).toEqual([]); // the server closed the stream after `end`

    // Every event has its own id; nothing but status, step names and links is in any of them.
    expect(new Set(received.map((e) => e.id)).size).toBe(received.length);
    for (const e of received) {
      const allowed = e.event === 'end' ? END_KEYS : EVENT_KEYS;
      expect([...keysOf(e.data)].filter((k) => !allowed.has(k))).toEqual([]);
    }
    expect(stream.messages[0]).toEqual({ kind: 'retry', ms: 2000 });
    expect(temporalCalls).toBe(0);
  });

  it('ends with the member-facing reason when the scan ends without results', async () => {
    const id = await newScan();
    const stream = await watch(host, id);
    await stream.nextEvent();
    const reason = {
      code: 'photos_rejected',
      message: MEMBER_MESSAGES.photos_rejected,
      details: [{ angle: 'front', code: 'blurry', reason: 'The front photo is blurred: take it again, holding still.' }],
    };
    await move(id, 'rejected', undefined, { error: reason });
    expect(await stream.nextEvent()).toMatchObject({
      event: 'end',
      data: { scanId: id, status: 'rejected', reason, statusUrl: statusUrl(id) },
    });
    expect(await stream.rest()).toEqual([]);
  });

  it('a stream left open gets heartbeats and is closed by the server at its limit; the client resumes with Last-Event-ID', async () => {
    const id = await newScan();
    await move(id, 'running', 'quality');
    const first = await watch(shortHost, id);
    const initial = await first.nextEvent();
    expect(initial).toMatchObject({ event: 'status', data: { status: 'running', progress: { step: 'quality' } } });
    const rest = await first.rest(); // nothing changes: the server's limit ends it
    expect(rest.filter((m) => m.kind === 'event')).toEqual([]);
    expect(rest.some((m) => m.kind === 'comment' && m.text === 'heartbeat')).toBe(true);
    expect(rest.at(-1)).toEqual({ kind: 'comment', text: 'stream limit reached; reconnect with Last-Event-ID' });

    // Resumed with the id of the state it has, and nothing changes while it is open: no event at all.
    const resumed = await watch(shortHost, id, { lastEventId: initial!.id });
    const whileResumed = await resumed.rest();
    expect(whileResumed.filter((m) => m.kind === 'event')).toEqual([]);
    expect(whileResumed.at(-1)).toEqual({ kind: 'comment', text: 'stream limit reached; reconnect with Last-Event-ID' });

    // Resumed with an older state's id after changes it missed: the current state at once.
    await step(id, 'estimate');
    await step(id, 'deltas');
    const behind = await watch(host, id, { lastEventId: initial!.id });
    expect(await behind.nextEvent()).toMatchObject({ event: 'status', data: { progress: { step: 'deltas', percent: 50 } } });
    behind.close();

    // Resumed after the end it already received: nothing more, closed.
    await move(id, 'cancelled', undefined, { error: { code: 'cancelled', message: MEMBER_MESSAGES.cancelled } });
    const last = await watch(host, id);
    const end = await last.nextEvent();
    expect(end).toMatchObject({ event: 'end', data: { status: 'cancelled', reason: { code: 'cancelled' } } });
    const again = await watch(host, id, { lastEventId: end!.id });
    expect((await again.rest()).filter((m) => m.kind === 'event')).toEqual([]);
  });

  it('a scan erased while watched closes the stream without an event', async () => {
    const id = await newScan();
    const stream = await watch(host, id);
    await stream.nextEvent();
    await scanRef(firebase.db, id).delete();
    expect((await stream.rest()).filter((m) => m.kind === 'event')).toEqual([]);
  });

  it("another member's scan is 404, as one that does not exist, and nothing is audited", async () => {
    const id = await newScan();
    const theirs = await watch(host, id, { token: strangerToken });
    expect(theirs.status).toBe(404);
    expect(JSON.parse(theirs.text!)).toMatchObject({ code: 'scan_not_found' });
    const none = await watch(host, newScanId());
    expect(none.status).toBe(404);
    const audits = await firebase.db
      .collection(Collections.auditLogs)
      .where('scanId', '==', id)
      .where('action', '==', 'health_data_read')
      .get();
    expect(audits.size).toBe(0);
  });

  it('refuses a malformed Last-Event-ID, other methods and no token, as problem+json', async () => {
    const id = await newScan();
    const bad = await api(host, `/api/scans/${id}/events`, {
      token: ownerToken,
      headers: { 'last-event-id': 'not-an-event-id-of-this-stream' },
    });
    expect(problemOf(bad)).toEqual({ status: 400, code: 'validation_failed', contentType: 'application/problem+json' });
    expect(bad.json.errors).toMatchObject([{ in: 'header', path: 'Last-Event-ID' }]);
    expect(bad.text).not.toContain('not-an-event-id');
    const post = await api(host, `/api/scans/${id}/events`, { method: 'POST', token: ownerToken });
    expect(problemOf(post)).toMatchObject({ status: 405, code: 'method_not_allowed' });
    expect(post.headers.get('allow')).toBe('GET');
    const anonymous = await api(host, `/api/scans/${id}/events`);
    expect(problemOf(anonymous)).toMatchObject({ status: 401, code: 'unauthenticated' });
  });
});

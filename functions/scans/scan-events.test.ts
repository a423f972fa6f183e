import type { Firestore } from 'firebase-admin/firestore';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ScanDocument } from '../../common/contracts/scan-document';
import type { Principal } from '../framework/types';
import { type ScanEventSource, scanEventId, scanEventOf, scanEventStream } from './scan-events';

// The stream's own logic against a listener driven by hand, with fake timers: which snapshot gives which
// bytes, heartbeats, the limit, and that every way the stream ends releases the listener and the timers.
// The same stream against the Firestore emulator's listener: test/functions-scan-events.test.ts.

const owner: Principal = { uid: 'member_owner', roles: [], isReviewer: false, staff: false };
const reviewer: Principal = { uid: 'staff_reviewer', roles: ['reviewer'], isReviewer: true, staff: true };
const base: ScanEventSource = { scanId: 'scan_0123456789abcdef', ownerId: owner.uid, status: 'running' };
const at = (over: Partial<ScanDocument>) => ({ ...base, ...over }) as ScanDocument;

function handDrivenListener() {
  let emit: ((snap: { data(): ScanDocument | undefined }) => void) | undefined;
  let fail: ((err: Error) => void) | undefined;
  const state = { unsubscribed: 0 };
  const doc = {
    onSnapshot(next: typeof emit, error: typeof fail) {
      emit = next;
      fail = error;
      return () => {
        state.unsubscribed++;
      };
    },
  };
  const db = { collection: () => ({ withConverter: () => ({ doc: () => doc }) }) } as unknown as Firestore;
  return {
    db,
    state,
    snapshot: (scan: ScanDocument | undefined) => emit!({ data: () => scan }),
    fail: (err: Error) => fail!(err),
  };
}

function open(listener: ReturnType<typeof handDrivenListener>, opts: { viewer?: Principal; lastEventId?: string } = {}) {
  const stream = scanEventStream({
    db: listener.db,
    scanId: base.scanId,
    viewer: opts.viewer ?? owner,
    reviewerAccess: () => ({ now: new Date(), afterDecisionSeconds: 86_400 }),
    lastEventId: opts.lastEventId,
    urlFor: (p) => `https://api.example${p}`,
    maxOpenMs: 2500,
    heartbeatMs: 1000,
    log: () => undefined,
  });
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  return {
    reader,
    /** The next chunk written, or null once closed. */
    async next(): Promise<string | null> {
      const r = await reader.read();
      return r.done ? null : decoder.decode(r.value);
    },
  };
}

describe('scanEventStream', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes retry and the state, an event per change, nothing for a repeat, then end; closing releases everything', async () => {
    const l = handDrivenListener();
    const s = open(l);
    expect(await s.next()).toBe('retry: 2000\n\n');
    const quality = at({ progress: { status: 'running', step: 'quality', percent: 15 } });
    l.snapshot(quality);
    expect(await s.next()).toBe(
      `id: ${scanEventId(scanEventOf(quality))}\nevent: status\ndata: ${JSON.stringify({
        scanId: base.scanId,
        status: 'running',
        progress: { status: 'running', step: 'quality', percent: 15 },
        statusUrl: `https://api.example/api/scans/${base.scanId}`,
      })}\n\n`,
    );
    l.snapshot({ ...quality, updatedAt: 'later' }); // nothing the member is shown changed
    l.snapshot(at({ progress: { status: 'running', step: 'estimate', percent: 35 } }));
    expect(await s.next()).toMatch(/^id: [A-Za-z0-9_-]{22}\nevent: status\ndata: .*"step":"estimate"/);
    l.snapshot(at({ status: 'completed' }));
    expect(await s.next()).toMatch(/^id: .*\nevent: end\ndata: .*"resultsUrl":"https:\/\/api\.example\/api\/scans\/scan_0123456789abcdef"/);
    expect(await s.next()).toBeNull();
    expect(l.state.unsubscribed).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('heartbeats while quiet and closes at the limit with a comment', async () => {
    const l = handDrivenListener();
    const s = open(l);
    await s.next();
    l.snapshot(at({}));
    await s.next();
    vi.advanceTimersByTime(1000);
    expect(await s.next()).toBe(': heartbeat\n\n');
    vi.advanceTimersByTime(1000);
    expect(await s.next()).toBe(': heartbeat\n\n');
    vi.advanceTimersByTime(500);
    expect(await s.next()).toBe(': stream limit reached; reconnect with Last-Event-ID\n\n');
    expect(await s.next()).toBeNull();
    expect(l.state.unsubscribed).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a client that leaves stops the listener and the timers', async () => {
    const l = handDrivenListener();
    const s = open(l);
    await s.next();
    await s.reader.cancel();
    expect(l.state.unsubscribed).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('sends nothing for the state a resuming client already has', async () => {
    const l = handDrivenListener();
    const waiting = at({ status: 'queued' });
    const s = open(l, { lastEventId: scanEventId(scanEventOf(waiting)) });
    await s.next();
    l.snapshot(waiting);
    l.snapshot(at({ progress: { status: 'running', step: 'consent', percent: 5 } }));
    expect(await s.next()).toMatch(/"step":"consent"/);
  });

  it('closes without an event when the scan is erased, the listener fails, or the viewer may no longer see it', async () => {
    const erased = handDrivenListener();
    const a = open(erased);
    await a.next();
    erased.snapshot(undefined);
    expect(await a.next()).toBeNull();

    const failing = handDrivenListener();
    const b = open(failing);
    await b.next();
    failing.fail(Object.assign(new Error('unavailable'), { name: 'FirestoreError' }));
    expect(await b.next()).toBeNull();
    expect(failing.state.unsubscribed).toBe(1);

    // A reviewer watches while the scan waits for review; someone else decides it, and the need is gone.
    const watched = handDrivenListener();
    const c = open(watched, { viewer: reviewer });
    await c.next();
    watched.snapshot(at({ status: 'awaiting_review', progress: { status: 'awaiting_review', step: 'review', percent: 75 } }));
    expect(await c.next()).toMatch(/"status":"awaiting_review"/);
    watched.snapshot(at({ status: 'running', reviewedBy: 'member_someone_else' }));
    expect(await c.next()).toBeNull();
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('scanEventOf', () => {
  it('names a state by the same id on every host, and carries nothing of the member but status, steps and links', () => {
    const scan = {
      ...at({ status: 'awaiting_review', progress: { status: 'awaiting_review', step: 'review', percent: 75 } }),
      measurements: { weightKg: 81.4, heightCm: 180, age: 35, sex: 'male' },
      review: {
        reasons: ['implausible_change'],
        enteredReviewAt: '2026-12-07T10:00:00.000Z',
        reviewDeadline: '2026-12-09T10:00:00.000Z',
        onTimeout: 'reject',
      },
    } as ScanDocument;
    const here = scanEventOf(scan, (p) => `https://a.example${p}`);
    const there = scanEventOf(scan, (p) => `https://b.example${p}`);
    expect(scanEventId(scanEventOf(scan))).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(here).not.toEqual(there);
    expect(JSON.stringify(here)).not.toMatch(/81\.4|weightKg|implausible_change|enteredReviewAt/);
    expect(here).toEqual({
      name: 'status',
      data: {
        scanId: base.scanId,
        status: 'awaiting_review',
        progress: { status: 'awaiting_review', step: 'review', percent: 75 },
        review: { message: expect.any(String), reviewDeadline: '2026-12-09T10:00:00.000Z' },
        statusUrl: `https://a.example/api/scans/${base.scanId}`,
      },
    });
  });

  it('ends a scan without results with its stored reason, or one naming the status', () => {
    expect(scanEventOf(at({ status: 'failed' })).data).toEqual({
      scanId: base.scanId,
      status: 'failed',
      reason: { code: 'scan_failed', message: 'The scan was failed.' },
      statusUrl: `/api/scans/${base.scanId}`,
    });
  });
});

import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIdForErasure } from '../common/contracts/erasure';
import type { ScanMeasurements } from '../common/contracts/scan';
import { Collections } from '../common/contracts/scan-document';
import { lastSweepAfter, SWEEP_AFTER_URL_EXPIRY_MS } from '../common/scans/member-data';
import { createScanWithCredit, userRef } from '../common/scans/repository';
import type { LocalHost } from '../functions/local-host';
import { idTokenFor } from './helpers/auth';
import { functionsSuite } from './helpers/functions-suite';
import { api, snapshotState, startFunctionsHost } from './helpers/http';
import { measurements, newUserId, seedMember } from './helpers/scan';
import { testConfig } from './helpers/stack';

// Who may start a scan and how often: adults only, capturedAt in its window, one open scan, a daily cap.
describe('functions: eligibility and bounded use of POST /api/scans', () => {
  const suite = functionsSuite('fn-limits');
  const { config, taskQueue, firebase } = suite;
  // A second host where the daily cap binds before the open-scan limit does.
  const capped = testConfig({ TEMPORAL_TASK_QUEUE: taskQueue, SCAN_MAX_OPEN_PER_MEMBER: '100', SCAN_DAILY_CREATE_LIMIT: '3' });
  let cappedHost: LocalHost;

  beforeAll(async () => {
    cappedHost = await startFunctionsHost(capped);
  });
  afterAll(async () => {
    await cappedHost?.close();
  });

  async function member(credits = 5) {
    const uid = newUserId();
    await seedMember(firebase.db, uid, { credits });
    return { uid, token: await idTokenFor(firebase.auth, config, uid) };
  }

  const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
  const body = (over: Partial<ScanMeasurements> & { age?: number | undefined }) => {
    const m: Record<string, unknown> = { ...measurements(), ...over };
    for (const k of Object.keys(m)) if (m[k] === undefined) delete m[k];
    return m;
  };

  it('minors (by age or by birth year), ages that disagree, future and stale capturedAt: 400, nothing changes', async () => {
    const { uid, token } = await member();
    const thisYear = new Date().getUTCFullYear();
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['age 12', body({ age: 12 }), 'age_out_of_range'],
      ['age 17', body({ age: 17 }), 'age_out_of_range'],
      ['age 101', body({ age: 101 }), 'age_out_of_range'],
      ['birth year of a 12-year-old', body({ age: undefined, birthYear: thisYear - 12 }), 'age_out_of_range'],
      ['birth year of a 17- or 18-year-old', body({ age: undefined, birthYear: thisYear - 18 }), 'age_out_of_range'],
      ['age 35 with the birth year of a 12-year-old', body({ age: 35, birthYear: thisYear - 12 }), 'age_mismatch'],
      ['age 35 with the birth year of a 50-year-old', body({ age: 35, birthYear: thisYear - 50 }), 'age_mismatch'],
      ['capturedAt in 2099', body({ capturedAt: '2099-01-01T00:00:00Z' }), 'captured_at_in_future'],
      ['capturedAt an hour ahead', body({ capturedAt: new Date(Date.now() + 3_600_000).toISOString() }), 'captured_at_in_future'],
      ['capturedAt in the year 446', body({ capturedAt: '0446-01-01T00:00:00Z' }), 'captured_at_too_old'],
      ['capturedAt 8 days ago', body({ capturedAt: minutesAgo(8 * 24 * 60) }), 'captured_at_too_old'],
    ];
    for (const [name, json, code] of cases) {
      for (const headers of [{}, { 'Idempotency-Key': `key-${randomUUID()}` }] as Array<Record<string, string>>) {
        const before = await snapshotState(firebase.db, suite.client, taskQueue, [uid]);
        const res = await api(suite.host, '/api/scans', { method: 'POST', token, json, headers });
        expect({ name, status: res.status, code: res.json?.code }).toEqual({ name, status: 400, code });
        expect(res.headers.get('content-type')).toBe('application/problem+json');
        expect(res.json.uploads).toBeUndefined();
        expect(res.text).not.toContain(String(json.capturedAt));
        expect(await snapshotState(firebase.db, suite.client, taskQueue, [uid])).toEqual(before);
      }
    }
    // Still eligible with valid data: the refusals held nothing back.
    const ok = await api(suite.host, '/api/scans', { method: 'POST', token, json: body({ age: undefined, birthYear: thisYear - 30 }) });
    expect(ok.status, ok.text).toBe(201);
  });

  it('capturedAt must be after the previous scan, which a cancelled one still is', async () => {
    const { uid, token } = await member();
    const firstAt = minutesAgo(10);
    const first = await api(suite.host, '/api/scans', { method: 'POST', token, json: body({ capturedAt: firstAt }) });
    expect(first.status, first.text).toBe(201);
    expect((await api(suite.host, `/api/scans/${first.json.scanId}/cancel`, { method: 'POST', token })).status).toBe(202);
    const before = await snapshotState(firebase.db, suite.client, taskQueue, [uid]);
    for (const capturedAt of [minutesAgo(20), firstAt]) {
      const res = await api(suite.host, '/api/scans', { method: 'POST', token, json: body({ capturedAt }) });
      expect({ status: res.status, code: res.json?.code }).toEqual({ status: 400, code: 'captured_at_before_previous_scan' });
    }
    expect(await snapshotState(firebase.db, suite.client, taskQueue, [uid])).toEqual(before);
    const later = await api(suite.host, '/api/scans', { method: 'POST', token, json: body({ capturedAt: minutesAgo(5) }) });
    expect(later.status, later.text).toBe(201);
  });

  it('one open scan per member: a second create is 409 naming the open scan; the same Idempotency-Key gets the same scan', async () => {
    const { uid, token } = await member();
    const key = `key-${randomUUID()}`;
    const json = body({});
    const first = await api(suite.host, '/api/scans', { method: 'POST', token, json, headers: { 'Idempotency-Key': key } });
    expect(first.status, first.text).toBe(201);
    const before = await snapshotState(firebase.db, suite.client, taskQueue, [uid]);
    const second = await api(suite.host, '/api/scans', { method: 'POST', token, json: body({}) });
    expect({ status: second.status, code: second.json?.code, openScanId: second.json?.openScanId }).toEqual({
      status: 409,
      code: 'scan_in_progress',
      openScanId: first.json.scanId,
    });
    expect(await snapshotState(firebase.db, suite.client, taskQueue, [uid])).toEqual(before);
    const replay = await api(suite.host, '/api/scans', { method: 'POST', token, json, headers: { 'Idempotency-Key': key } });
    expect(replay.status).toBe(201);
    expect(replay.json.scanId).toBe(first.json.scanId);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');

    // 20 at once: still one open scan, every refusal names it, one credit reserved.
    const results = await Promise.all(
      Array.from({ length: 20 }, () => api(suite.host, '/api/scans', { method: 'POST', token, json: body({}) })),
    );
    expect(results.every((r) => r.status === 409 && r.json.openScanId === first.json.scanId)).toBe(true);
    expect((await userRef(firebase.db, uid).get()).data()?.scanCredits).toBe(4);
  });

  it("every upload URL handed out is on record before the member sees it: the erasure's last sweep waits for it", async () => {
    // The record is written in the create's own transaction; without it an erasure started now would sweep
    // once and let a PUT through a still valid URL outlive it (test/member-blob-attack.test.ts end to end).
    const { uid, token } = await member();
    const recorded = async () => (await userRef(firebase.db, uid).get()).data()?.uploadUrlsValidUntil;
    const latestExpiry = (r: { json: { uploads: Array<{ expiresAt: string }> } }) =>
      Math.max(...r.json.uploads.map((u) => Date.parse(u.expiresAt)));
    const key = `key-${randomUUID()}`;
    const json = body({});
    const first = await api(suite.host, '/api/scans', { method: 'POST', token, json, headers: { 'Idempotency-Key': key } });
    expect(first.status, first.text).toBe(201);
    expect(first.json.uploads).toHaveLength(4);
    expect(Date.parse((await recorded())!)).toBeGreaterThanOrEqual(latestExpiry(first));
    const sweep = await lastSweepAfter(firebase.db, uid, new Date());
    expect(sweep.getTime()).toBeGreaterThanOrEqual(latestExpiry(first) + SWEEP_AFTER_URL_EXPIRY_MS);

    // A replay while the scan awaits its photos signs its URLs again, later: the record moves with them.
    await new Promise((r) => setTimeout(r, 5));
    const replay = await api(suite.host, '/api/scans', { method: 'POST', token, json, headers: { 'Idempotency-Key': key } });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(latestExpiry(replay)).toBeGreaterThan(latestExpiry(first));
    expect(Date.parse((await recorded())!)).toBeGreaterThanOrEqual(latestExpiry(replay));

    // A refused create hands out nothing and records nothing.
    const before = await recorded();
    const refused = await api(suite.host, '/api/scans', { method: 'POST', token, json: body({}) });
    expect(refused.json?.code).toBe('scan_in_progress');
    expect(await recorded()).toBe(before);
  });

  it('the daily cap holds under 20 concurrent creates, and cancelled-before-upload scans count', async () => {
    const { uid, token } = await member(30);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api(cappedHost, '/api/scans', { method: 'POST', token, json: body({ capturedAt: minutesAgo(30 - i) }) }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(3);
    // Served one at a time in arrival order: a request whose capturedAt is older than an earlier winner's
    // is refused as back-dated (400) before the cap is looked at; every other one meets the cap.
    const others = results.filter((r) => r.status !== 201).map((r) => r.json.code);
    expect(others.every((c) => c === 'daily_scan_limit' || c === 'captured_at_before_previous_scan')).toBe(true);
    expect(others.filter((c) => c === 'daily_scan_limit').length).toBeGreaterThan(0);
    const refused = results.find((r) => r.status === 429)!;
    expect(refused.json.code).toBe('daily_scan_limit');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const owned = await firebase.db.collection(Collections.scans).where('ownerId', '==', uid).get();
    expect(owned.size).toBe(3);
    expect((await userRef(firebase.db, uid).get()).data()?.scanCredits).toBe(27);

    // Cancelling gives the credit back but not the day's allowance.
    for (const r of results.filter((x) => x.status === 201))
      expect((await api(cappedHost, `/api/scans/${r.json.scanId}/cancel`, { method: 'POST', token })).status).toBe(202);
    expect((await userRef(firebase.db, uid).get()).data()?.scanCredits).toBe(30);
    const again = await api(cappedHost, '/api/scans', { method: 'POST', token, json: body({}) });
    expect({ status: again.status, code: again.json?.code }).toEqual({ status: 429, code: 'daily_scan_limit' });
  });

  it('a scan whose upload URLs expired without photos no longer blocks the member: it ends, refunded', async () => {
    const { uid, token } = await member(1);
    const first = await api(suite.host, '/api/scans', { method: 'POST', token, json: body({ capturedAt: minutesAgo(60) }) });
    expect(first.status, first.text).toBe(201);
    // As if created long ago: older than the upload URL lifetime plus its grace.
    const old = new Date(Date.now() - (config.UPLOAD_URL_TTL_MINUTES + 10) * 60_000).toISOString();
    await firebase.db.collection(Collections.scans).doc(first.json.scanId).update({ createdAt: old });
    const next = await api(suite.host, '/api/scans', { method: 'POST', token, json: body({}) });
    expect(next.status, next.text).toBe(201);
    const ended = (await firebase.db.collection(Collections.scans).doc(first.json.scanId).get()).data();
    expect(ended).toMatchObject({ status: 'cancelled', error: { code: 'upload_expired' }, credit: { state: 'refunded' } });
    expect((await userRef(firebase.db, uid).get()).data()?.scanCredits).toBe(0);
  });
  it('the erasure check is part of the create transaction: once an erasure record exists, no scan is created', async () => {
    // The handler used to read the erasure record before its transaction, so a DELETE /api/me committing in
    // between let a scan through. The repository itself now refuses, whoever calls it.
    const { uid } = await member();
    await firebase.db
      .collection(Collections.erasures)
      .doc(uid)
      .set({
        userId: uid,
        status: 'running',
        workflowId: workflowIdForErasure(uid, 1),
        requestedAt: new Date().toISOString(),
        sequence: 1,
      });
    const before = await snapshotState(firebase.db, suite.client, taskQueue, [uid]);
    await expect(
      createScanWithCredit(firebase.db, { scanId: `scan-${randomUUID()}`, userId: uid, measurements: measurements(), now: new Date() }),
    ).rejects.toMatchObject({ name: 'RefusedError', code: 'erasure_in_progress' });
    expect(await snapshotState(firebase.db, suite.client, taskQueue, [uid])).toEqual(before);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { Collections, type ScanDocument } from '../common/contracts/scan-document';
import { createShare } from '../common/scans/report-shares';
import { createScanWithCredit, scanRef } from '../common/scans/repository';
import { idTokenFor, staffIdTokenFor } from './helpers/auth';
import { deviceRegistration } from './helpers/devices';
import { functionsSuite } from './helpers/functions-suite';
import { api } from './helpers/http';
import { sampleScanResults } from './helpers/sample-results';
import { measurements, newScanId, newUserId, seedMember } from './helpers/scan';

// Every endpoint × every kind of caller: the status each gets, and an audit record for exactly the reads
// of health data by someone other than the owner. No workflow runs here: a scan "awaiting review" is a
// document in that state, so a reviewer's decision reaches Temporal and finds no run (410).
describe('functions: authorisation matrix', () => {
  const suite = functionsSuite('fn-matrix');
  const { config, firebase } = suite;
  const ids = {
    owner: newUserId(),
    other: newUserId(),
    pendingReviewer: newUserId(),
    decider: newUserId(),
    otherReviewer: newUserId(),
    operator: newUserId(),
  };
  type Caller = 'anonymous' | keyof typeof ids;
  const tokens = {} as Record<keyof typeof ids, string>;
  let pending: ScanDocument; // awaiting review: any reviewer has a need
  let decided: ScanDocument; // completed, decided by `decider`
  let sharedToken: string; // a link the owner made to `decided`'s report

  beforeAll(async () => {
    for (const [k, uid] of Object.entries(ids)) {
      await seedMember(firebase.db, uid, { credits: k === 'owner' ? 2 : 0 });
      // Reviewers and the operator are staff: accounts of the staff tenant, signed in with a second factor.
      const claims =
        k.endsWith('Reviewer') || k === 'decider' ? { reviewer: true } : k === 'operator' ? { roles: ['operator'] } : undefined;
      tokens[k as keyof typeof ids] = claims
        ? await staffIdTokenFor(firebase.auth, config, uid, claims)
        : await idTokenFor(firebase.auth, config, uid);
    }
    const create = () =>
      createScanWithCredit(firebase.db, { scanId: newScanId(), userId: ids.owner, measurements: measurements(), now: new Date() });
    pending = await create();
    await scanRef(firebase.db, pending.scanId).update({ status: 'awaiting_review' });
    decided = await create();
    await scanRef(firebase.db, decided.scanId).update({
      status: 'completed',
      'credit.state': 'consumed',
      results: await sampleScanResults(),
      reviewedBy: ids.decider,
      reviewedAt: new Date().toISOString(), // within REVIEW_ACCESS_AFTER_DECISION_SECONDS: the decider still has a need
    });
    sharedToken = (await createShare(firebase.db, { scanId: decided.scanId, ownerId: ids.owner, lifetimeDays: 1, now: new Date() })).token;
  });

  async function readAudits(scanId: string) {
    const snap = await firebase.db
      .collection(Collections.auditLogs)
      .where('scanId', '==', scanId)
      .where('action', '==', 'health_data_read')
      .get();
    return snap.docs.map((d) => d.data());
  }

  const callers: Caller[] = ['anonymous', 'owner', 'other', 'pendingReviewer', 'decider', 'otherReviewer', 'operator'];
  const review = { decision: 'approve' };
  // [name, method, path, body, expected status per caller, callers whose call is an audited read]
  type Row = [string, string, () => string, unknown, Record<Caller, number>, Caller[]];
  const rows: Row[] = [
    [
      'read a scan waiting for review',
      'GET',
      () => `/api/scans/${pending.scanId}`,
      undefined,
      { anonymous: 401, owner: 202, other: 404, pendingReviewer: 202, decider: 202, otherReviewer: 202, operator: 404 },
      ['pendingReviewer', 'decider', 'otherReviewer'],
    ],
    [
      'read a completed scan',
      'GET',
      () => `/api/scans/${decided.scanId}`,
      undefined,
      { anonymous: 401, owner: 200, other: 404, pendingReviewer: 404, decider: 200, otherReviewer: 404, operator: 404 },
      ['decider'],
    ],
    [
      // A finished scan's stream sends its end event and closes, so the whole answer can be read here.
      'watch a completed scan (event stream)',
      'GET',
      () => `/api/scans/${decided.scanId}/events`,
      undefined,
      { anonymous: 401, owner: 200, other: 404, pendingReviewer: 404, decider: 200, otherReviewer: 404, operator: 404 },
      ['decider'],
    ],
    [
      "read a completed scan's report page",
      'GET',
      () => `/api/scans/${decided.scanId}/report`,
      undefined,
      { anonymous: 401, owner: 200, other: 404, pendingReviewer: 404, decider: 200, otherReviewer: 404, operator: 404 },
      ['decider'],
    ],
    [
      "read a completed scan's report PDF",
      'GET',
      () => `/api/scans/${decided.scanId}/report.pdf`,
      undefined,
      { anonymous: 401, owner: 200, other: 404, pendingReviewer: 404, decider: 200, otherReviewer: 404, operator: 404 },
      ['decider'],
    ],
    [
      "share a completed scan's report",
      'POST',
      () => `/api/scans/${decided.scanId}/shares`,
      { lifetimeDays: 1 },
      { anonymous: 401, owner: 201, other: 404, pendingReviewer: 404, decider: 403, otherReviewer: 404, operator: 404 },
      [],
    ],
    [
      "list a completed scan's share links",
      'GET',
      () => `/api/scans/${decided.scanId}/shares`,
      undefined,
      { anonymous: 401, owner: 200, other: 404, pendingReviewer: 404, decider: 403, otherReviewer: 404, operator: 404 },
      [],
    ],
    [
      'open a shared report (the link is the credential; a token is ignored)',
      'GET',
      () => `/api/shared/${sharedToken}`,
      undefined,
      { anonymous: 200, owner: 200, other: 200, pendingReviewer: 200, decider: 200, otherReviewer: 200, operator: 200 },
      callers,
    ],
    [
      'report of a scan waiting for review (no results yet)',
      'GET',
      () => `/api/scans/${pending.scanId}/report`,
      undefined,
      { anonymous: 401, owner: 409, other: 404, pendingReviewer: 409, decider: 409, otherReviewer: 409, operator: 404 },
      ['pendingReviewer', 'decider', 'otherReviewer'],
    ],
    [
      'submit a scan waiting for review',
      'POST',
      () => `/api/scans/${pending.scanId}/submit`,
      undefined,
      { anonymous: 401, owner: 202, other: 404, pendingReviewer: 403, decider: 403, otherReviewer: 403, operator: 404 },
      [],
    ],
    [
      'cancel a completed scan',
      'POST',
      () => `/api/scans/${decided.scanId}/cancel`,
      undefined,
      { anonymous: 401, owner: 410, other: 404, pendingReviewer: 404, decider: 403, otherReviewer: 404, operator: 404 },
      [],
    ],
    [
      'review a scan waiting for review',
      'POST',
      () => `/api/scans/${pending.scanId}/review`,
      review,
      { anonymous: 401, owner: 403, other: 403, pendingReviewer: 410, decider: 410, otherReviewer: 410, operator: 403 },
      [],
    ],
    [
      'review a completed scan',
      'POST',
      () => `/api/scans/${decided.scanId}/review`,
      review,
      { anonymous: 401, owner: 403, other: 403, pendingReviewer: 404, decider: 410, otherReviewer: 404, operator: 403 },
      [],
    ],
    [
      'review queue (its audited reads: test/functions-reviews.test.ts)',
      'GET',
      () => '/api/reviews',
      undefined,
      { anonymous: 401, owner: 403, other: 403, pendingReviewer: 200, decider: 200, otherReviewer: 200, operator: 403 },
      [],
    ],
    [
      "open a scan's review packet while it waits",
      'GET',
      () => `/api/reviews/${pending.scanId}`,
      undefined,
      { anonymous: 401, owner: 403, other: 403, pendingReviewer: 200, decider: 200, otherReviewer: 200, operator: 403 },
      ['pendingReviewer', 'decider', 'otherReviewer'],
    ],
    [
      "open a decided scan's review packet",
      'GET',
      () => `/api/reviews/${decided.scanId}`,
      undefined,
      { anonymous: 401, owner: 403, other: 403, pendingReviewer: 404, decider: 200, otherReviewer: 404, operator: 403 },
      ['decider'],
    ],
    [
      // This document has no sealed photos: a reviewer with a need gets not_found, and nothing is read.
      'read a photo of a scan waiting for review',
      'GET',
      () => `/api/reviews/${pending.scanId}/photos/front`,
      undefined,
      { anonymous: 401, owner: 403, other: 403, pendingReviewer: 404, decider: 404, otherReviewer: 404, operator: 403 },
      [],
    ],
    [
      'list own scans',
      'GET',
      () => '/api/scans',
      undefined,
      { anonymous: 401, owner: 200, other: 200, pendingReviewer: 403, decider: 403, otherReviewer: 403, operator: 403 },
      [],
    ],
    [
      'read own consents',
      'GET',
      () => '/api/consents',
      undefined,
      { anonymous: 401, owner: 200, other: 200, pendingReviewer: 403, decider: 403, otherReviewer: 403, operator: 403 },
      [],
    ],
    [
      'register own device',
      'PUT',
      () => '/api/me/devices/inst-matrix-0001',
      deviceRegistration(),
      { anonymous: 401, owner: 201, other: 201, pendingReviewer: 403, decider: 403, otherReviewer: 403, operator: 403 },
      [],
    ],
    [
      'list own devices',
      'GET',
      () => '/api/me/devices',
      undefined,
      { anonymous: 401, owner: 200, other: 200, pendingReviewer: 403, decider: 403, otherReviewer: 403, operator: 403 },
      [],
    ],
    [
      'remove own device',
      'DELETE',
      () => '/api/me/devices/inst-matrix-0001',
      undefined,
      { anonymous: 401, owner: 204, other: 204, pendingReviewer: 403, decider: 403, otherReviewer: 403, operator: 403 },
      [],
    ],
    [
      'read own trend',
      'GET',
      () => '/api/me/trend?metric=bodyFatPercent&days=90',
      undefined,
      { anonymous: 401, owner: 200, other: 200, pendingReviewer: 403, decider: 403, otherReviewer: 403, operator: 403 },
      [],
    ],
    [
      'read own erasure (none requested yet)',
      'GET',
      () => '/api/me/erasure',
      undefined,
      { anonymous: 401, owner: 404, other: 404, pendingReviewer: 403, decider: 403, otherReviewer: 403, operator: 403 },
      [],
    ],
    [
      'health',
      'GET',
      () => '/api/health',
      undefined,
      { anonymous: 200, owner: 200, other: 200, pendingReviewer: 200, decider: 200, otherReviewer: 200, operator: 200 },
      [],
    ],
    [
      'OpenAPI document',
      'GET',
      () => '/api/openapi.json',
      undefined,
      { anonymous: 200, owner: 200, other: 200, pendingReviewer: 200, decider: 200, otherReviewer: 200, operator: 200 },
      [],
    ],
  ];

  for (const [name, method, path, json, expected, audited] of rows) {
    it(`${method} ${name}`, async () => {
      const shared = path().startsWith('/api/shared/');
      const scanId = shared ? decided.scanId : /(?:scans|reviews)\/([^/]+)/.exec(path())?.[1];
      for (const caller of callers) {
        const before = scanId ? (await readAudits(scanId)).length : 0;
        const started = new Date().toISOString();
        const res = await api(suite.host, path(), { method, json, token: caller === 'anonymous' ? undefined : tokens[caller] });
        expect({ caller, status: res.status }, res.text).toEqual({ caller, status: expected[caller] });
        if (!scanId) continue;
        const after = await readAudits(scanId);
        if (audited.includes(caller)) {
          expect(after.length, `${caller}: one audit record`).toBe(before + 1);
          // A shared link's reader is the link, whoever holds it; anyone else's read is a reviewer's.
          const actor = shared ? /^share:/ : new RegExp(`^reviewer:${ids[caller as keyof typeof ids]}$`);
          const record = after.find((a) => actor.test(a.actor) && a.at >= started);
          const what = /\/events$/.test(path())
            ? 'scan_events'
            : shared || /\/report(\.pdf)?$/.test(path())
              ? 'report'
              : /\/api\/reviews\//.test(path())
                ? 'review_packet'
                : 'scan';
          const why = shared ? 'shared_link' : 'review';
          expect(record).toMatchObject({ userId: ids.owner, subject: { why, what }, at: expect.any(String) });
          // Identifiers only: no health data in the audit trail.
          expect(JSON.stringify(record)).not.toMatch(/bodyFat|weightKg|measurements|results/);
        } else {
          expect(after.length, `${caller}: no audit record`).toBe(before);
        }
      }
    });
  }

  it('a list never shows another member their scans', async () => {
    const others = await api(suite.host, '/api/scans', { token: tokens.other });
    expect(others.json.items.map((i: { scanId: string }) => i.scanId)).not.toContain(pending.scanId);
    const mine = await api(suite.host, '/api/scans', { token: tokens.owner });
    expect(mine.json.items.map((i: { scanId: string }) => i.scanId).sort()).toEqual([pending.scanId, decided.scanId].sort());
  });

  // Last: it erases the callers. Each erases only themselves (no worker runs here, so it stays running).
  it('DELETE erase own data, then GET own erasure', async () => {
    const members = new Set<Caller>(['owner', 'other']);
    for (const caller of callers) {
      // Erasure needs a sign-in within the last five minutes: the members sign in again (test/staff-access.test.ts shows an older one refused).
      const token =
        caller === 'anonymous' ? undefined : members.has(caller) ? await idTokenFor(firebase.auth, config, ids[caller]) : tokens[caller];
      const erase = await api(suite.host, '/api/me', { method: 'DELETE', token });
      const expected = caller === 'anonymous' ? 401 : members.has(caller) ? 202 : 403; // staff have no member data to erase
      expect({ caller, status: erase.status }, erase.text).toEqual({ caller, status: expected });
      const status = await api(suite.host, '/api/me/erasure', { token });
      expect({ caller, status: status.status }).toEqual({ caller, status: expected === 202 ? 200 : expected });
    }
    // While an erasure runs, no new scan starts (nothing is reserved or created).
    const refused = await api(suite.host, '/api/scans', { method: 'POST', token: tokens.other, json: measurements() });
    expect({ status: refused.status, code: refused.json?.code }).toEqual({ status: 409, code: 'erasure_in_progress' });
    // The owner's scans are untouched by anyone else's erasure (their own has no worker to run it).
    expect((await scanRef(firebase.db, decided.scanId).get()).data()?.status).toBe('completed');
  });
});

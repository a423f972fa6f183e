import { createHash, randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_ACTIVE_SHARES_PER_SCAN } from '../common/contracts/report-shares';
import { Collections, type ScanDocument } from '../common/contracts/scan-document';
import { createScanWithCredit, scanRef } from '../common/scans/repository';
import { idTokenFor } from './helpers/auth';
import { functionsSuite } from './helpers/functions-suite';
import { api } from './helpers/http';
import { sampleScanResults } from './helpers/sample-results';
import { measurements, newScanId, newUserId, seedMember } from './helpers/scan';

// A member's link to one report for a coach, through the same doors the member and the coach use: made,
// listed and revoked by the member's API calls, opened with no Authorization header at all. Expiry is
// controlled through the stored expiry (no waiting).
describe('report share links', () => {
  const suite = functionsSuite('shares');
  const { config, firebase } = suite;
  const owner = newUserId();
  const other = newUserId();
  const tokens = { owner: '', other: '' };
  let completed: ScanDocument;
  let otherCompleted: ScanDocument;

  async function completedScanOf(userId: string) {
    const scan = await createScanWithCredit(firebase.db, { scanId: newScanId(), userId, measurements: measurements(), now: new Date() });
    await scanRef(firebase.db, scan.scanId).update({ status: 'completed', 'credit.state': 'consumed', results: await sampleScanResults() });
    return scan;
  }

  beforeAll(async () => {
    await seedMember(firebase.db, owner, { credits: 10 });
    await seedMember(firebase.db, other, { credits: 10 });
    tokens.owner = await idTokenFor(firebase.auth, config, owner);
    tokens.other = await idTokenFor(firebase.auth, config, other);
    completed = await completedScanOf(owner);
    otherCompleted = await completedScanOf(other);
  });

  const share = (scanId: string, json: unknown, token = tokens.owner) =>
    api(suite.host, `/api/scans/${scanId}/shares`, { method: 'POST', token, json });
  /** The path of a link (the tests call the host by port; the link's own origin is the host's). */
  const pathOf = (url: string) => new URL(url).pathname;
  const sharesOf = async (scanId: string) =>
    (await firebase.db.collection(Collections.reportShares).where('scanId', '==', scanId).get()).docs.map((d) => d.data());
  const sharedReads = async (shareId: string) =>
    (await firebase.db.collection(Collections.auditLogs).where('actor', '==', `share:${shareId}`).get()).docs.map((d) => d.data());
  const problemOf = (res: { status: number; json: { code?: string }; headers: Headers }) => ({
    status: res.status,
    code: res.json?.code,
    type: res.headers.get('content-type'),
  });

  it('create: an unguessable link, only its hash stored, lifetime as chosen', async () => {
    const res = await share(completed.scanId, { lifetimeDays: 7, firstName: 'Ana' });
    expect(res.status, res.text).toBe(201);
    expect(res.json.url).toMatch(new RegExp(`^${suite.host.url}/api/shared/[A-Za-z0-9_-]{43}$`));
    expect(res.json.pdfUrl).toBe(`${res.json.url}/report.pdf`);
    expect(res.headers.get('location')).toBe(res.json.url);
    expect(res.json).toMatchObject({ scanId: completed.scanId, state: 'active', firstName: 'Ana' });
    expect(Date.parse(res.json.expiresAt) - Date.parse(res.json.createdAt)).toBe(7 * 86_400_000);
    const token = pathOf(res.json.url).split('/').pop()!;
    const [stored] = (await sharesOf(completed.scanId)).filter((s) => s.shareId === res.json.shareId);
    expect(stored?.tokenHash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(stored)).not.toContain(token);
    // Two links never share a token.
    const second = await share(completed.scanId, { lifetimeDays: 1 });
    expect(second.json.url).not.toBe(res.json.url);
  });

  it('open without signing in: the page (strict CSP) and the PDF, no identity but the chosen first name, one audit record per opening', async () => {
    const named = await share(completed.scanId, { lifetimeDays: 3, firstName: 'Ana' });
    const anonymous = await share(completed.scanId, { lifetimeDays: 3 });
    const before = (await sharedReads(named.json.shareId)).length;

    const page = await api(suite.host, pathOf(named.json.url));
    expect(page.status, page.text).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'none'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('x-robots-tag')).toContain('noindex');
    expect(page.text).toContain('Ana&#39;s body-composition scan');
    expect(page.text).toContain('shared this report with you');
    expect(page.text).toContain('data-figure="Body fat"');
    for (const identity of [owner, completed.scanId]) expect(page.text).not.toContain(identity);
    expect(await sharedReads(named.json.shareId)).toHaveLength(before + 1);

    const pdf = await api(suite.host, pathOf(named.json.pdfUrl));
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    expect(pdf.headers.get('content-disposition')).toBe('attachment; filename="scan-report.pdf"');
    const reads = await sharedReads(named.json.shareId);
    expect(reads).toHaveLength(before + 2);
    for (const r of reads) {
      expect(r).toMatchObject({
        scanId: completed.scanId,
        userId: owner,
        action: 'health_data_read',
        outcome: 'report',
        subject: { what: 'report', why: 'shared_link', shareId: named.json.shareId },
      });
      expect(JSON.stringify(r)).not.toMatch(/bodyFat|weightKg|"Ana"/);
    }

    const nameless = await api(suite.host, pathOf(anonymous.json.url));
    expect(nameless.status).toBe(200);
    expect(nameless.text).toContain('A body-composition scan of');
    expect(nameless.text).not.toContain('Ana');
  });

  it('the member lists the links of the scan, newest first, without tokens', async () => {
    const res = await api(suite.host, `/api/scans/${completed.scanId}/shares`, { token: tokens.owner });
    expect(res.status).toBe(200);
    const stored = await sharesOf(completed.scanId);
    expect(res.json.items.map((s: { shareId: string }) => s.shareId).sort()).toEqual(stored.map((s) => s.shareId).sort());
    const created = res.json.items.map((s: { createdAt: string }) => s.createdAt);
    expect(created).toEqual([...created].sort().reverse());
    const fields = new Set(['shareId', 'scanId', 'state', 'createdAt', 'expiresAt', 'revokedAt', 'firstName']);
    for (const item of res.json.items) expect(Object.keys(item).filter((k) => !fields.has(k))).toEqual([]);
  });

  it('revoke: the link answers 410 from then on; revoking again changes nothing; an unknown link is 404', async () => {
    const made = await share(completed.scanId, { lifetimeDays: 2 });
    expect((await api(suite.host, pathOf(made.json.url))).status).toBe(200);
    const path = `/api/scans/${completed.scanId}/shares/${made.json.shareId}`;
    expect((await api(suite.host, path, { method: 'DELETE', token: tokens.owner })).status).toBe(204);
    const reads = (await sharedReads(made.json.shareId)).length;
    for (const url of [made.json.url, made.json.pdfUrl]) {
      const gone = await api(suite.host, pathOf(url));
      expect(problemOf(gone)).toEqual({ status: 410, code: 'share_gone', type: 'application/problem+json' });
      expect(gone.text).not.toContain(completed.scanId);
    }
    expect(await sharedReads(made.json.shareId)).toHaveLength(reads); // nothing was read
    expect((await api(suite.host, path, { method: 'DELETE', token: tokens.owner })).status).toBe(204);
    // Making and revoking are the member's own actions, audited once each (the second revoke changed nothing).
    const memberActions = (await firebase.db.collection(Collections.auditLogs).where('actor', '==', `member:${owner}`).get()).docs
      .map((d) => d.data())
      .filter((a) => a.subject?.shareId === made.json.shareId)
      .map((a) => a.action);
    expect(memberActions.sort()).toEqual(['share_created', 'share_revoked']);
    const listed = await api(suite.host, `/api/scans/${completed.scanId}/shares`, { token: tokens.owner });
    expect(listed.json.items.find((s: { shareId: string }) => s.shareId === made.json.shareId)).toMatchObject({
      state: 'revoked',
      revokedAt: expect.any(String),
    });
    const unknown = await api(suite.host, `/api/scans/${completed.scanId}/shares/${randomBytes(12).toString('base64url')}`, {
      method: 'DELETE',
      token: tokens.owner,
    });
    expect(problemOf(unknown)).toEqual({ status: 404, code: 'share_not_found', type: 'application/problem+json' });
  });

  it('expiry: once the stored expiry has passed, the link answers 410', async () => {
    const made = await share(completed.scanId, { lifetimeDays: 1 });
    expect((await api(suite.host, pathOf(made.json.url))).status).toBe(200);
    await firebase.db
      .collection(Collections.reportShares)
      .doc(made.json.shareId)
      .update({ expiresAt: new Date(Date.now() - 1000).toISOString() });
    for (const url of [made.json.url, made.json.pdfUrl])
      expect(problemOf(await api(suite.host, pathOf(url)))).toEqual({ status: 410, code: 'share_gone', type: 'application/problem+json' });
    const listed = await api(suite.host, `/api/scans/${completed.scanId}/shares`, { token: tokens.owner });
    expect(listed.json.items.find((s: { shareId: string }) => s.shareId === made.json.shareId).state).toBe('expired');
  });

  it("another member's scan cannot be shared, listed or have its links revoked: 404 as for the scan", async () => {
    const others = await share(otherCompleted.scanId, { lifetimeDays: 30 }, tokens.other);
    expect(others.status).toBe(201);
    const before = await sharesOf(otherCompleted.scanId);
    const attempts = [
      await share(otherCompleted.scanId, { lifetimeDays: 30 }),
      await api(suite.host, `/api/scans/${otherCompleted.scanId}/shares`, { token: tokens.owner }),
      await api(suite.host, `/api/scans/${otherCompleted.scanId}/shares/${others.json.shareId}`, { method: 'DELETE', token: tokens.owner }),
      // The owner's own scan id with the other member's link: not a link of this scan.
      await api(suite.host, `/api/scans/${completed.scanId}/shares/${others.json.shareId}`, { method: 'DELETE', token: tokens.owner }),
    ];
    expect(attempts.map((a) => [a.status, a.json?.code])).toEqual([
      [404, 'scan_not_found'],
      [404, 'scan_not_found'],
      [404, 'scan_not_found'],
      [404, 'share_not_found'],
    ]);
    expect(await sharesOf(otherCompleted.scanId)).toEqual(before);
    expect((await api(suite.host, pathOf(others.json.url))).status).toBe(200);
  });

  it('only a completed scan can be shared, answered as its report is', async () => {
    const open = await createScanWithCredit(firebase.db, {
      scanId: newScanId(),
      userId: owner,
      measurements: measurements(),
      now: new Date(),
    });
    await scanRef(firebase.db, open.scanId).update({ status: 'awaiting_review' });
    const cancelled = await createScanWithCredit(firebase.db, {
      scanId: newScanId(),
      userId: owner,
      measurements: measurements(),
      now: new Date(),
    });
    await scanRef(firebase.db, cancelled.scanId).update({ status: 'cancelled', error: { code: 'cancelled', message: 'Cancelled.' } });
    expect(problemOf(await share(open.scanId, { lifetimeDays: 1 }))).toMatchObject({ status: 409, code: 'report_not_ready' });
    expect(problemOf(await share(cancelled.scanId, { lifetimeDays: 1 }))).toMatchObject({ status: 410, code: 'cancelled' });
    expect(await sharesOf(open.scanId)).toEqual([]);
    expect(await sharesOf(cancelled.scanId)).toEqual([]);
  });

  it('token guessing: a random token and a malformed one get the same 404, and nothing is audited', async () => {
    const audits = (await firebase.db.collection(Collections.auditLogs).where('scanId', '==', completed.scanId).get()).size;
    const answers = [];
    for (const token of [randomBytes(32).toString('base64url'), 'x', `${randomBytes(32).toString('base64url')}A`]) {
      for (const suffix of ['', '/report.pdf']) {
        const res = await api(suite.host, `/api/shared/${token}${suffix}`);
        expect(problemOf(res)).toEqual({ status: 404, code: 'share_not_found', type: 'application/problem+json' });
        answers.push(res.text);
      }
    }
    expect(new Set(answers).size).toBe(1);
    expect((await firebase.db.collection(Collections.auditLogs).where('scanId', '==', completed.scanId).get()).size).toBe(audits);
  });

  it('bad requests are refused with problem+json and make no link', async () => {
    const scan = await completedScanOf(owner);
    for (const body of [
      { lifetimeDays: 31 },
      { lifetimeDays: 0 },
      { lifetimeDays: 1.5 },
      {},
      { lifetimeDays: 1, firstName: '<b>Ana</b>' },
      { lifetimeDays: 1, firstName: '' },
      { lifetimeDays: 1, extra: true },
    ]) {
      const res = await share(scan.scanId, body);
      expect({ body, ...problemOf(res) }).toEqual({ body, status: 400, code: 'validation_failed', type: 'application/problem+json' });
    }
    expect(await sharesOf(scan.scanId)).toEqual([]);
  });

  it(`at most ${MAX_ACTIVE_SHARES_PER_SCAN} open links per scan; revoking one makes room`, async () => {
    const scan = await completedScanOf(owner);
    const made = [];
    for (let i = 0; i < MAX_ACTIVE_SHARES_PER_SCAN; i++) made.push((await share(scan.scanId, { lifetimeDays: 1 })).json.shareId as string);
    const refused = await share(scan.scanId, { lifetimeDays: 1 });
    expect(problemOf(refused)).toEqual({ status: 409, code: 'share_limit_reached', type: 'application/problem+json' });
    expect(await sharesOf(scan.scanId)).toHaveLength(MAX_ACTIVE_SHARES_PER_SCAN);
    await api(suite.host, `/api/scans/${scan.scanId}/shares/${made[0]}`, { method: 'DELETE', token: tokens.owner });
    expect((await share(scan.scanId, { lifetimeDays: 1 })).status).toBe(201);
  });
});

import { randomUUID } from 'node:crypto';
import { InvocationContext } from '@azure/functions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ANGLES, type Angle } from '../common/contracts/scan';
import type { ScanDocument } from '../common/contracts/scan-document';
import { createScanWithCredit, idempotencyRef, scanRef, userRef } from '../common/scans/repository';
import { requestFingerprint } from '../functions/handlers/create-scan';
import { uploadTrigger } from '../functions/handlers/upload-trigger';
import { makeNotAnImage } from '../scripts/lib/sample-photos';
import { idTokenFor, staffIdTokenFor } from './helpers/auth';
import { deviceRegistration } from './helpers/devices';
import { functionsSuite } from './helpers/functions-suite';
import { type ApiCall, api, countWorkflows, snapshotState } from './helpers/http';
import { sampleScanResults } from './helpers/sample-results';
import { measurements, newScanId, newUserId, samplePhotos, seedMember } from './helpers/scan';

// Every way a request can be wrong: the right status and problem code, and nothing started, reserved or
// written (documents, credits, consents, idempotency keys, audit records and workflows are compared).
describe('functions: rejections change nothing', () => {
  const suite = functionsSuite('fn-reject');
  const { config, taskQueue, firebase, blob } = suite;
  const ids = {
    a: newUserId(),
    b: newUserId(),
    noConsent: newUserId(),
    noCredit: newUserId(),
    reviewer: newUserId(),
    revoked: newUserId(),
    disabled: newUserId(),
  };
  const tokens: Record<keyof typeof ids, string> = {} as never;
  let scanA: ScanDocument;
  let doneA: ScanDocument;

  beforeAll(async () => {
    await seedMember(firebase.db, ids.a, { credits: 3 });
    await seedMember(firebase.db, ids.b, { credits: 2 });
    await seedMember(firebase.db, ids.noConsent, { credits: 1, consent: false });
    await seedMember(firebase.db, ids.noCredit, { credits: 0 });
    await seedMember(firebase.db, ids.reviewer, { credits: 0 });
    await seedMember(firebase.db, ids.revoked, { credits: 1 });
    await seedMember(firebase.db, ids.disabled, { credits: 1 });
    for (const k of Object.keys(ids) as Array<keyof typeof ids>)
      tokens[k] =
        k === 'reviewer'
          ? await staffIdTokenFor(firebase.auth, config, ids[k], { reviewer: true })
          : await idTokenFor(firebase.auth, config, ids[k]);
    scanA = await createScanWithCredit(firebase.db, { scanId: newScanId(), userId: ids.a, measurements: measurements(), now: new Date() });
    doneA = await createScanWithCredit(firebase.db, { scanId: newScanId(), userId: ids.a, measurements: measurements(), now: new Date() });
    await scanRef(firebase.db, doneA.scanId).update({
      status: 'completed',
      'credit.state': 'consumed',
      results: await sampleScanResults(),
    });
  });

  const snapshot = () => snapshotState(firebase.db, suite.client, taskQueue, Object.values(ids));

  async function expectRejected(path: string, call: ApiCall & { as?: keyof typeof ids }, status: number, code: string) {
    const before = await snapshot();
    const res = await api(suite.host, path, { ...call, token: call.token ?? (call.as ? tokens[call.as] : undefined) });
    expect({ path, method: call.method ?? 'GET', status: res.status, code: res.json?.code }).toEqual({
      path,
      method: call.method ?? 'GET',
      status,
      code,
    });
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.json).toMatchObject({ type: expect.stringContaining(code), title: expect.any(String), status, detail: expect.any(String) });
    expect(await snapshot()).toEqual(before);
    return res;
  }

  const validBody = () => measurements();

  it('no token, a bad token or a non-Bearer scheme: 401', async () => {
    const id = () => scanA.scanId;
    const routes: Array<[string, ApiCall]> = [
      ['/api/scans', { method: 'POST', json: validBody() }],
      ['/api/scans', {}],
      [`/api/scans/${id()}`, {}],
      [`/api/scans/${id()}/submit`, { method: 'POST' }],
      [`/api/scans/${id()}/review`, { method: 'POST', json: { decision: 'approve' } }],
      [`/api/scans/${id()}/cancel`, { method: 'POST' }],
      ['/api/consents', {}],
      ['/api/consents/scan_analysis', { method: 'PUT', json: { status: 'revoked', version: '2026-01' } }],
      ['/api/me/devices', {}],
      ['/api/me/devices/inst-0000-0001', { method: 'PUT', json: deviceRegistration() }],
      ['/api/me/devices/inst-0000-0001', { method: 'DELETE' }],
    ];
    for (const [path, call] of routes) {
      const res = await expectRejected(path, call, 401, 'unauthenticated');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    await expectRejected(
      '/api/scans',
      { method: 'POST', json: validBody(), token: 'not.a.real.token-but-long-enough-to-try' },
      401,
      'invalid_token',
    );
    await expectRejected(
      '/api/scans',
      { method: 'POST', json: validBody(), token: `${tokens.a.slice(0, -6)}AAAAAA` },
      401,
      'invalid_token',
    );
    await expectRejected(
      '/api/scans',
      { method: 'POST', json: validBody(), headers: { authorization: `Basic ${tokens.a}` } },
      401,
      'invalid_token',
    );
  });

  it('a token whose account was signed out everywhere or disabled is refused, though its signature and expiry are fine', async () => {
    // Both members could create a scan (consent, a credit): only the account's state refuses them. This
    // guards the door (any shortcut around Firebase's verification, such as a cache of decoded tokens),
    // not the checkRevoked flag: against the emulator firebase-admin checks account state either way.
    await firebase.auth.updateUser(ids.disabled, { disabled: true });
    await expectRejected('/api/scans', { method: 'POST', json: validBody(), as: 'disabled' }, 401, 'invalid_token');
    // Revocation counts whole seconds (the token's auth_time against the account's validSince): revoke
    // in a later second than the token's sign-in, as a real sign-out everywhere would be.
    const authTime = JSON.parse(Buffer.from(tokens.revoked.split('.')[1]!, 'base64url').toString('utf8')).auth_time as number;
    while (Date.now() < (authTime + 1) * 1000) await new Promise((r) => setTimeout(r, 50));
    await firebase.auth.revokeRefreshTokens(ids.revoked);
    await expectRejected('/api/scans', { method: 'POST', json: validBody(), as: 'revoked' }, 401, 'invalid_token');
  });

  it("another member's scan is 404, exactly like a scan that does not exist", async () => {
    const other = await expectRejected(`/api/scans/${scanA.scanId}`, { as: 'b' }, 404, 'scan_not_found');
    const none = await expectRejected(`/api/scans/${newScanId()}`, { as: 'b' }, 404, 'scan_not_found');
    expect(other.text).toBe(none.text);
    await expectRejected(`/api/scans/${scanA.scanId}/submit`, { method: 'POST', as: 'b' }, 404, 'scan_not_found');
    await expectRejected(`/api/scans/${scanA.scanId}/cancel`, { method: 'POST', as: 'b' }, 404, 'scan_not_found');
  });

  it('roles: a member on the reviewer route is 403 (not staff); reviewers without a pending review see nothing', async () => {
    await expectRejected(
      `/api/scans/${scanA.scanId}/review`,
      { method: 'POST', as: 'b', json: { decision: 'approve' } },
      403,
      'staff_sign_in_required',
    );
    await expectRejected(
      `/api/scans/${scanA.scanId}/review`,
      { method: 'POST', as: 'a', json: { decision: 'approve' } },
      403,
      'staff_sign_in_required',
    );
    // Access by need: neither scan waits for a review nor was decided by this reviewer.
    await expectRejected(`/api/scans/${scanA.scanId}/cancel`, { method: 'POST', as: 'reviewer' }, 404, 'scan_not_found');
    await expectRejected(
      `/api/scans/${scanA.scanId}/review`,
      { method: 'POST', as: 'reviewer', json: { decision: 'approve' } },
      404,
      'scan_not_found',
    );
    await expectRejected(
      `/api/scans/${doneA.scanId}/review`,
      { method: 'POST', as: 'reviewer', json: { decision: 'reject', notes: 'x' } },
      404,
      'scan_not_found',
    );
    await expectRejected(`/api/scans/${doneA.scanId}/cancel`, { method: 'POST', as: 'a' }, 410, 'scan_finished');
    await expectRejected(`/api/scans/${doneA.scanId}`, { as: 'reviewer' }, 404, 'scan_not_found');
  });

  it("an Idempotency-Key record naming another member's scan gets no URL for it (422, nothing written)", async () => {
    // The attack an "owner writes users/{uid}/**" rule allowed (firestore.rules now denies every client):
    // member b plants a key record under their own user document that names a's scan, then replays it.
    const body = validBody();
    const key = `planted-${randomUUID()}`;
    await idempotencyRef(firebase.db, ids.b, key).set({
      scanId: scanA.scanId,
      fingerprint: requestFingerprint(body),
      createdAt: new Date().toISOString(),
    });
    expect((await scanRef(firebase.db, scanA.scanId).get()).data()?.status).toBe('awaiting_upload');
    const res = await expectRejected(
      '/api/scans',
      { method: 'POST', as: 'b', json: body, headers: { 'Idempotency-Key': key } },
      422,
      'idempotency_key_reused',
    );
    expect(res.text).not.toContain(scanA.scanId);
    expect(res.text).not.toMatch(/sig=|\/scan-uploads\//);
  });

  it('missing consent is 403 consent_required; no credit is 402', async () => {
    await expectRejected('/api/scans', { method: 'POST', as: 'noConsent', json: validBody() }, 403, 'consent_required');
    await expectRejected('/api/scans', { method: 'POST', as: 'noCredit', json: validBody() }, 402, 'no_scan_credit');
    await expectRejected(
      '/api/scans',
      { method: 'POST', as: 'noCredit', json: validBody(), headers: { 'Idempotency-Key': `k-${randomUUID()}` } },
      402,
      'no_scan_credit',
    );
  });

  it('malformed JSON, wrong types, unknown fields, wrong media type: 400/415 without echoing values', async () => {
    const secret = 'SECRET-VALUE-91.7';
    await expectRejected(
      '/api/scans',
      { method: 'POST', as: 'a', body: '{"weightKg": 80,', headers: { 'content-type': 'application/json' } },
      400,
      'malformed_json',
    );
    await expectRejected(
      '/api/scans',
      { method: 'POST', as: 'a', body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), headers: { 'content-type': 'application/json' } },
      400,
      'malformed_json',
    );
    await expectRejected(
      '/api/scans',
      { method: 'POST', as: 'a', body: '', headers: { 'content-type': 'application/json' } },
      400,
      'body_required',
    );
    await expectRejected(
      '/api/consents/scan_analysis',
      { method: 'PUT', as: 'a', body: "{'status':'granted'}", headers: { 'content-type': 'application/json' } },
      400,
      'malformed_json',
    );
    await expectRejected(
      `/api/scans/${scanA.scanId}/review`,
      { method: 'POST', as: 'reviewer', body: '[', headers: { 'content-type': 'application/json' } },
      400,
      'malformed_json',
    );

    const wrong = await expectRejected(
      '/api/scans',
      { method: 'POST', as: 'a', json: { ...validBody(), weightKg: secret, heightCm: true, sex: secret, extraField: secret } },
      400,
      'validation_failed',
    );
    expect(wrong.text).not.toContain(secret);
    expect(wrong.json.errors.map((e: { path: string }) => e.path).sort()).toEqual(['extraField', 'heightCm', 'sex', 'weightKg']);
    expect(wrong.json.errors.every((e: { in: string }) => e.in === 'body')).toBe(true);
    await expectRejected('/api/scans', { method: 'POST', as: 'a', json: [validBody()] }, 400, 'validation_failed');
    await expectRejected('/api/scans', { method: 'POST', as: 'a', json: null }, 400, 'validation_failed');
    await expectRejected(
      '/api/scans',
      { method: 'POST', as: 'a', json: { ...validBody(), age: undefined, birthYear: undefined } },
      400,
      'validation_failed',
    );
    await expectRejected(
      '/api/scans',
      // biome-ignore lint/correctness/noPrecisionLoss: the literal overflows to Infinity on purpose
      { method: 'POST', as: 'a', json: { ...validBody(), weightKg: 1e400 === Infinity ? 1e308 : 0 } },
      400,
      'validation_failed',
    );
    await expectRejected(
      '/api/scans',
      { method: 'POST', as: 'a', body: '{"__proto__": {"admin": true}}', headers: { 'content-type': 'application/json' } },
      400,
      'validation_failed',
    );
    await expectRejected(
      '/api/consents/scan_analysis',
      { method: 'PUT', as: 'a', json: { status: 'yes', version: 5 } },
      400,
      'validation_failed',
    );
    await expectRejected(
      '/api/consents/marketing',
      { method: 'PUT', as: 'a', json: { status: 'granted', version: '1' } },
      400,
      'validation_failed',
    );
    await expectRejected(
      `/api/scans/${scanA.scanId}/review`,
      { method: 'POST', as: 'reviewer', json: { decision: 'maybe' } },
      400,
      'validation_failed',
    );
    await expectRejected(
      '/api/scans',
      { method: 'POST', as: 'a', body: JSON.stringify(validBody()), headers: { 'content-type': 'text/plain' } },
      415,
      'unsupported_media_type',
    );
    await expectRejected(
      '/api/scans',
      { method: 'POST', as: 'a', json: validBody(), headers: { 'Idempotency-Key': 'x' } },
      400,
      'validation_failed',
    );
    await expectRejected('/api/scans?limit=0', { as: 'a' }, 400, 'validation_failed');
    await expectRejected('/api/scans?limit=1&limit=2', { as: 'a' }, 400, 'validation_failed');
    await expectRejected('/api/scans?cursor=bm90LWEtY3Vyc29y', { as: 'a' }, 400, 'validation_failed');
    await expectRejected('/api/scans?cursor=%00%2F', { as: 'a' }, 400, 'validation_failed');
  });

  it('device registrations: bad ids, tokens, platforms, versions, locales and unknown fields are 400 without echoing values', async () => {
    const secret = 'SECRET-VALUE-91.7';
    const path = (id = 'inst-0000-0002') => `/api/me/devices/${id}`;
    const good = deviceRegistration();
    const invalid: Array<[string, Record<string, unknown>]> = [
      ['token', { ...good, token: 'short' }],
      ['token', { ...good, token: `${good.token} ${secret}` }],
      ['token', { ...good, token: 42 }],
      ['platform', { ...good, platform: 'windows' }],
      ['appVersion', { ...good, appVersion: `2.0 ${secret}` }],
      ['appVersion', { ...good, appVersion: '' }],
      ['locale', { ...good, locale: 'english' }],
      ['locale', { ...good, locale: `en-${secret}` }],
      ['extraField', { ...good, extraField: secret }],
      ['locale', { token: good.token, platform: 'ios', appVersion: '1.0.0' }],
    ];
    for (const [field, json] of invalid) {
      const res = await expectRejected(path(), { method: 'PUT', as: 'a', json }, 400, 'validation_failed');
      expect(res.json.errors.map((e: { path: string }) => e.path)).toEqual([field]);
      expect(res.text).not.toContain(secret);
      expect(res.text).not.toContain(good.token);
    }
    for (const id of ['short', 'a'.repeat(65), 'inst%2F..%2Fx', encodeURIComponent('inst-0000\u200b0002'), 'inst.0000.0002']) {
      for (const method of ['PUT', 'DELETE']) {
        const res = await expectRejected(
          path(id),
          { method, as: 'a', json: method === 'PUT' ? good : undefined },
          400,
          'validation_failed',
        );
        expect(res.json.errors[0]).toMatchObject({ in: 'params', path: 'installationId' });
      }
    }
    await expectRejected(
      path(),
      { method: 'PUT', as: 'a', body: '{"token":', headers: { 'content-type': 'application/json' } },
      400,
      'malformed_json',
    );
    await expectRejected(
      path(),
      { method: 'PUT', as: 'a', body: '', headers: { 'content-type': 'application/json' } },
      400,
      'body_required',
    );
    await expectRejected(
      path(),
      { method: 'PUT', as: 'a', body: JSON.stringify(good), headers: { 'content-type': 'text/plain' } },
      415,
      'unsupported_media_type',
    );
    await expectRejected(path(), { method: 'PUT', as: 'a', json: { ...good, locale: 'x'.repeat(20_000) } }, 413, 'payload_too_large');
  });

  it('oversized bodies: 413 from the function limit and from the host cap', async () => {
    await expectRejected(
      '/api/scans',
      { method: 'POST', as: 'a', json: { ...validBody(), notes: 'x'.repeat(20_000) } },
      413,
      'payload_too_large',
    );
    await expectRejected(
      `/api/scans/${scanA.scanId}/review`,
      { method: 'POST', as: 'reviewer', json: { decision: 'approve', notes: 'n'.repeat(40_000) } },
      413,
      'payload_too_large',
    );
    await expectRejected(
      '/api/scans',
      { method: 'POST', as: 'a', body: 'x'.repeat(2 * 1024 * 1024), headers: { 'content-type': 'application/json' } },
      413,
      'payload_too_large',
    );
  });

  it('ids with path characters or unicode tricks: 400 (or 404 when no route has that shape)', async () => {
    const tricks = [
      '..%2F..%2Fusers',
      'scan_abcdefgh%2F..%2F..',
      '%2e%2e',
      'scan_%00abcdefgh',
      encodeURIComponent('ｓｃａｎ＿ａｂｃｄｅｆｇｈ'), // full-width
      encodeURIComponent('scan_abc\u200bdefgh'), // zero-width space
      encodeURIComponent('scan_abc\u202edefgh'), // right-to-left override
      encodeURIComponent('ѕcan_abcdefgh'), // Cyrillic s
      encodeURIComponent(`${scanA.scanId}\u0000`),
      encodeURIComponent(`${scanA.scanId} `),
      'a'.repeat(65),
      'short',
    ];
    for (const t of tricks) {
      for (const [suffix, method, as, json] of [
        ['', 'GET', 'a', undefined],
        ['/submit', 'POST', 'a', undefined],
        ['/cancel', 'POST', 'a', undefined],
        ['/review', 'POST', 'reviewer', { decision: 'approve' }],
      ] as const) {
        const res = await expectRejected(`/api/scans/${t}${suffix}`, { method, as, json }, 400, 'validation_failed');
        expect(res.json.errors[0]).toMatchObject({ in: 'params', path: 'scanId' });
      }
    }
    await expectRejected('/api/scans/abc%ZZdef', { as: 'a' }, 400, 'malformed_url');
    await expectRejected('/api/scans/../consents', { as: 'a' }, 404, 'not_found');
    await expectRejected(`/api/scans/${scanA.scanId}/submit/extra`, { method: 'POST', as: 'a' }, 404, 'not_found');
  });

  it('wrong methods: 405 with Allow', async () => {
    const cases: Array<[string, string, string]> = [
      ['DELETE', '/api/scans', 'GET, POST'],
      ['PUT', `/api/scans/${scanA.scanId}`, 'GET'],
      ['DELETE', `/api/scans/${scanA.scanId}`, 'GET'],
      ['GET', `/api/scans/${scanA.scanId}/submit`, 'POST'],
      ['GET', `/api/scans/${scanA.scanId}/cancel`, 'POST'],
      ['PUT', `/api/scans/${scanA.scanId}/review`, 'POST'],
      ['POST', '/api/consents', 'GET'],
      ['DELETE', '/api/consents/scan_analysis', 'PUT'],
      ['POST', '/api/health', 'GET'],
      ['POST', '/api/me/devices', 'GET'],
      ['GET', '/api/me/devices/inst-0000-0003', 'PUT, DELETE'],
      ['POST', '/api/me/devices/inst-0000-0003', 'PUT, DELETE'],
      ['PATCH', '/api/openapi.json', 'GET'],
      ['PROPFIND', '/api/scans', 'GET, POST'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await expectRejected(
        path,
        { method, as: 'a', json: method === 'GET' ? undefined : validBody() },
        405,
        'method_not_allowed',
      );
      expect(res.headers.get('allow')).toBe(allow);
    }
  });

  it('submit while photos are missing: 409 naming them', async () => {
    const photos = await samplePhotos();
    const container = blob.getContainerClient(config.SCAN_UPLOADS_CONTAINER);
    await Promise.all(
      (['front', 'back'] as Angle[]).map((a) =>
        container.getBlockBlobClient(scanA.photos[a]!).uploadData(photos[a], { blobHTTPHeaders: { blobContentType: 'image/jpeg' } }),
      ),
    );
    const res = await expectRejected(`/api/scans/${scanA.scanId}/submit`, { method: 'POST', as: 'a' }, 409, 'photos_missing');
    expect(res.json.missingPhotos.sort()).toEqual(['left', 'right']);
    const status = await api(suite.host, `/api/scans/${scanA.scanId}`, { token: tokens.a });
    expect(status.status).toBe(202);
    expect(status.json.missingPhotos.sort()).toEqual(['left', 'right']);
  });

  it('upload trigger: a bad photo rejects the scan with a reason and refunds the credit, once; nothing starts', async () => {
    const uid = newUserId();
    await seedMember(firebase.db, uid, { credits: 1 });
    const token = await idTokenFor(firebase.auth, config, uid);
    const scan = await createScanWithCredit(firebase.db, {
      scanId: newScanId(),
      userId: uid,
      measurements: measurements(),
      now: new Date(),
    });
    expect((await userRef(firebase.db, uid).get()).data()?.scanCredits).toBe(0);
    const photos = await samplePhotos();
    const container = blob.getContainerClient(config.SCAN_UPLOADS_CONTAINER);
    await Promise.all(
      ANGLES.map((a) =>
        container.getBlockBlobClient(scan.photos[a]!).uploadData(a === 'left' ? makeNotAnImage() : a === 'right' ? photos[a] : photos[a], {
          blobHTTPHeaders: { blobContentType: a === 'right' ? 'image/png' : 'image/jpeg' },
        }),
      ),
    );
    const ctx = () => new InvocationContext({ functionName: uploadTrigger.name, logHandler: () => undefined });
    for (let i = 0; i < 2; i++) {
      await Promise.all(
        ANGLES.map((a) =>
          uploadTrigger.handler({ name: scan.photos[a]!, container: config.SCAN_UPLOADS_CONTAINER }, ctx(), suite.host.deps),
        ),
      );
    }
    await suite.host.idle();
    const doc = (await scanRef(firebase.db, scan.scanId).get()).data() as ScanDocument;
    expect(doc.status).toBe('rejected');
    expect(doc.credit.state).toBe('refunded');
    expect(doc.error?.code).toBe('photos_rejected');
    expect(doc.error?.details?.map((d) => [d.angle, d.code]).sort()).toEqual([
      ['left', 'not_an_image'],
      ['right', 'content_type_mismatch'],
    ]);
    expect((await userRef(firebase.db, uid).get()).data()?.scanCredits).toBe(1);
    expect(await countWorkflows(suite.client, taskQueue)).toBe(0);
    const status = await api(suite.host, `/api/scans/${scan.scanId}`, { token });
    expect(status.status).toBe(422);
    expect(status.json).toMatchObject({ code: 'photos_rejected', scanStatus: 'rejected' });
    expect(status.headers.get('content-type')).toBe('application/problem+json');
    // Submitting a rejected scan starts nothing either.
    expect((await api(suite.host, `/api/scans/${scan.scanId}/submit`, { method: 'POST', token })).status).toBe(202);
    expect(await countWorkflows(suite.client, taskQueue)).toBe(0);
  });

  it('upload trigger: names that are not scan uploads are ignored', async () => {
    const before = await snapshot();
    const ctx = () => new InvocationContext({ functionName: uploadTrigger.name, logHandler: () => undefined });
    for (const name of [
      'foo',
      'a/b',
      `${ids.a}/${scanA.scanId}/front.jpg`,
      `${ids.a}/${scanA.scanId}/top`,
      `../${scanA.scanId}/front`,
      `${ids.b}/${scanA.scanId}/front`,
      `${ids.a}/${scanA.scanId}/front/x`,
      '',
    ]) {
      await uploadTrigger.handler({ name, container: config.SCAN_UPLOADS_CONTAINER }, ctx(), suite.host.deps);
    }
    expect(await snapshot()).toEqual(before);
  });
});

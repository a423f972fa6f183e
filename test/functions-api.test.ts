import { describe, expect, it } from 'vitest';
import { Collections } from '../common/contracts/scan-document';
import { idTokenFor } from './helpers/auth';
import { functionsSuite } from './helpers/functions-suite';
import { api } from './helpers/http';
import { newUserId } from './helpers/scan';

describe('functions: consents, health and OpenAPI', () => {
  const suite = functionsSuite('fn-api');
  const { config, firebase } = suite;

  it('consents are versioned, audited once per change, and read back', async () => {
    const uid = newUserId();
    const token = await idTokenFor(firebase.auth, config, uid);
    const empty = await api(suite.host, '/api/consents', { token });
    expect(empty.json.items).toEqual([{ type: 'scan_analysis', status: 'not_set', version: null, revision: 0, updatedAt: null }]);

    const grant = await api(suite.host, '/api/consents/scan_analysis', {
      method: 'PUT',
      token,
      json: { status: 'granted', version: '2026-01' },
    });
    expect(grant.status).toBe(200);
    expect(grant.json).toMatchObject({ status: 'granted', version: '2026-01', revision: 1 });
    const again = await api(suite.host, '/api/consents/scan_analysis', {
      method: 'PUT',
      token,
      json: { status: 'granted', version: '2026-01' },
    });
    expect(again.json.revision).toBe(1);
    const revoke = await api(suite.host, '/api/consents/scan_analysis', {
      method: 'PUT',
      token,
      json: { status: 'revoked', version: '2026-01' },
    });
    expect(revoke.json).toMatchObject({ status: 'revoked', revision: 2 });

    const audits = await firebase.db.collection(Collections.auditLogs).where('userId', '==', uid).get();
    expect(audits.docs.map((d) => d.get('action')).sort()).toEqual(['consent_granted', 'consent_revoked']);
    expect(audits.docs.every((d) => d.get('actor') === `member:${uid}`)).toBe(true);
    expect((await api(suite.host, '/api/consents', { token })).json.items[0]).toMatchObject({ status: 'revoked', revision: 2 });
  });

  it('health reports each backend without secrets', async () => {
    const res = await api(suite.host, '/api/health');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ status: 'ok', checks: { temporal: { ok: true }, firestore: { ok: true }, blob: { ok: true } } });
    expect(res.text).not.toMatch(/AccountKey|127\.0\.0\.1|devstoreaccount/);
  });

  it('serves an OpenAPI 3.1 document generated from the same definitions', async () => {
    const res = await api(suite.host, '/api/openapi.json');
    expect(res.status).toBe(200);
    const doc = res.json;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/api/codec/decode',
      '/api/codec/encode',
      '/api/consents',
      '/api/consents/{type}',
      '/api/health',
      '/api/me',
      '/api/me/devices',
      '/api/me/devices/{installationId}',
      '/api/me/erasure',
      '/api/me/trend',
      '/api/openapi.json',
      '/api/reviews',
      '/api/reviews/{scanId}',
      '/api/reviews/{scanId}/photos/{angle}',
      '/api/scans',
      '/api/scans/{scanId}',
      '/api/scans/{scanId}/cancel',
      '/api/scans/{scanId}/events',
      '/api/scans/{scanId}/report',
      '/api/scans/{scanId}/report.pdf',
      '/api/scans/{scanId}/review',
      '/api/scans/{scanId}/shares',
      '/api/scans/{scanId}/shares/{shareId}',
      '/api/scans/{scanId}/submit',
      '/api/shared/{token}',
      '/api/shared/{token}/report.pdf',
    ]);
    const create = doc.paths['/api/scans'].post;
    expect(create.requestBody.content['application/json'].schema.required).toEqual(
      expect.arrayContaining(['weightKg', 'heightCm', 'sex', 'capturedAt']),
    );
    expect(create.responses['402'].content['application/problem+json'].schema.$ref).toBe('#/components/schemas/Problem');
    expect(doc.paths['/api/health'].get.security).toEqual([]);
    // The codec endpoint's refusals are documented with their codes (the CORS preflight is not an API operation).
    expect(Object.keys(doc.paths['/api/codec/decode'])).toEqual(['post']);
    expect(doc.paths['/api/codec/decode'].post.responses['421']).toBeTruthy();
    // A review photo is the image itself, never cached; the queue's items carry no health data.
    const photo = doc.paths['/api/reviews/{scanId}/photos/{angle}'].get.responses['200'];
    expect(Object.keys(photo.content).sort()).toEqual(['image/jpeg', 'image/png', 'image/webp']);
    expect(Object.keys(photo.headers)).toEqual(['Cache-Control']);
    expect(doc.paths['/api/reviews/{scanId}'].get.responses['404']).toBeTruthy();
    expect(doc.components.securitySchemes.firebaseIdToken).toMatchObject({ type: 'http', scheme: 'bearer' });
  });
});

import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { CreateScanRequestSchema, PutConsentRequestSchema, ReviewRequestSchema } from '../common/contracts/api';
import { createScanWithCredit } from '../common/scans/repository';
import { idTokenFor, staffIdTokenFor } from './helpers/auth';
import { functionsSuite } from './helpers/functions-suite';
import { api, snapshotState } from './helpers/http';
import { measurements, newScanId, newUserId, seedMember } from './helpers/scan';

// A seeded generator of malformed requests across every endpoint: never a 5xx, every error is
// problem+json with a code, and nothing is started, reserved or written.

function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = 0x5ca11ed;
const COUNT = 600;

describe('functions: fuzzing malformed requests', () => {
  const suite = functionsSuite('fn-fuzz');
  const { config, taskQueue, firebase } = suite;
  const member = newUserId();
  const other = newUserId();
  const reviewer = newUserId();
  const tokens: string[] = [];
  let ownScanId = '';

  beforeAll(async () => {
    await seedMember(firebase.db, member, { credits: 5 });
    await seedMember(firebase.db, other, { credits: 5 });
    await seedMember(firebase.db, reviewer, { credits: 0 });
    ownScanId = (
      await createScanWithCredit(firebase.db, { scanId: newScanId(), userId: member, measurements: measurements(), now: new Date() })
    ).scanId;
    tokens.push(
      await idTokenFor(firebase.auth, config, member),
      await idTokenFor(firebase.auth, config, other),
      await staffIdTokenFor(firebase.auth, config, reviewer, { reviewer: true }),
    );
  });

  it(`${COUNT} generated malformed requests: no 5xx, problem+json errors, nothing started or written`, async () => {
    const rnd = mulberry32(SEED);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const int = (n: number) => Math.floor(rnd() * n);
    const randomString = (n: number) =>
      Array.from({ length: n }, () =>
        String.fromCodePoint(
          pick([int(0x80), 0x20 + int(0x5f), 0x400 + int(0x100), 0x200b + int(6), 0xff01 + int(0x5e), 0x1f600 + int(0x40)]),
        ),
      ).join('');

    const ids = () =>
      pick([
        '',
        '.',
        '..',
        '%2e%2e',
        '..%2F..%2Fusers',
        'a%2Fb',
        '%00',
        'scan_%2F%2F%2F%2F',
        newScanId(),
        newScanId(),
        'x'.repeat(65 + int(200)),
        encodeURIComponent(randomString(1 + int(20))),
        `${ownScanId}%20`,
        `${ownScanId.toUpperCase()}%E2%80%8B`,
        '%ZZ',
        'scan_abc%',
      ]);
    const validLooking: Record<string, () => unknown> = {
      scan: () => measurements(),
      review: () => ({ decision: 'approve', notes: 'ok' }),
      consent: () => ({ status: 'granted', version: '2026-01' }),
    };
    const mutate = (v: unknown): unknown => {
      const o = { ...(v as Record<string, unknown>) };
      const keys = Object.keys(o);
      switch (int(8)) {
        case 0:
          o[pick(keys)] = pick([null, true, -1, 1e308, 'NaN', [], {}, randomString(int(40))]);
          break;
        case 1:
          delete o[pick(keys)];
          delete o[pick(keys)];
          break;
        case 2:
          o[`extra_${int(1000)}`] = randomString(5);
          break;
        case 3:
          return pick([[], null, 0, 'string', true, [v]]);
        case 4:
          o[pick(keys)] = { nested: { deeper: [1, 2, 3] } };
          break;
        case 5:
          for (const k of keys) o[k] = randomString(int(10));
          break;
        case 6:
          o.__proto__ = { polluted: true };
          o[`${pick(keys)}`] = undefined;
          o.sex = 'other';
          break;
        default:
          o[pick(keys)] = 'x'.repeat(3000 + int(3000));
          o.decision = 'maybe';
          o.status = 'unknown';
          o.weightKg = 'heavy';
      }
      return o;
    };
    const schemaFor: Record<string, { safeParse(v: unknown): { success: boolean } }> = {
      scan: CreateScanRequestSchema,
      review: ReviewRequestSchema,
      consent: PutConsentRequestSchema,
    };
    const malformedJson = () =>
      pick([
        '{',
        '{"weightKg":',
        '[1,2',
        "{'a':1}",
        '{"a":1,}',
        'NaN',
        '\ufeff{}x',
        '{"a":"\\ud800"',
        '[[[[[[[[[[',
        '{"a":' + '['.repeat(5000),
        'undefined',
        '\u0000',
        '{} {}',
        randomString(int(100)),
      ]);
    const bodyFor = (kind: string): { body?: string | Buffer; contentType?: string } => {
      switch (int(6)) {
        case 0:
          return { body: malformedJson(), contentType: 'application/json' };
        case 1:
          return {
            body: Buffer.from(Array.from({ length: int(300) }, () => int(256))),
            contentType: pick(['application/json', 'application/octet-stream']),
          };
        case 2:
          return { body: 'y'.repeat(17_000 + int(60_000)), contentType: 'application/json' };
        case 3:
          return {
            body: JSON.stringify(validLooking[kind]!()),
            contentType: pick(['text/plain', 'application/xml', 'multipart/form-data', '']),
          };
        default: {
          let v = mutate(validLooking[kind]!());
          if (schemaFor[kind]!.safeParse(v).success) v = { ...(v as object), injected: 1 };
          return {
            body: JSON.stringify(v),
            contentType: pick(['application/json', 'application/json; charset=utf-8', 'application/problem+json']),
          };
        }
      }
    };
    const auth = () => {
      const r = int(10);
      if (r === 0) return undefined;
      if (r === 1) return 'Bearer ' + randomString(30).replace(/[^\x21-\x7e]/g, 'a');
      if (r === 2) return 'Basic ' + tokens[0];
      if (r === 3) return `Bearer ${tokens[0]!.slice(0, -3)}xyz`;
      return `Bearer ${pick(tokens)}`;
    };
    const endpoints: Array<() => { method: string; path: string; kind?: string }> = [
      () => ({ method: pick(['POST', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH']), path: '/api/scans', kind: 'scan' }),
      () => ({
        method: pick(['GET', 'HEAD', 'OPTIONS']),
        path: `/api/scans?${pick(['limit=', 'limit=0', 'limit=-1', 'limit=1e3', 'limit=abc', 'cursor=%FF', 'cursor=' + 'a'.repeat(600), 'limit=1&limit=2', 'cursor=eyJjIjoiMSJ9'])}`,
      }),
      () => ({ method: pick(['GET', 'PUT', 'DELETE']), path: `/api/scans/${ids()}` }),
      () => ({ method: pick(['POST', 'GET']), path: `/api/scans/${ids()}/submit` }),
      () => ({ method: pick(['POST', 'GET']), path: `/api/scans/${ids()}/cancel` }),
      () => ({ method: 'POST', path: `/api/scans/${pick([ids(), ownScanId])}/review`, kind: 'review' }),
      () => ({
        method: pick(['PUT', 'PUT', 'POST', 'DELETE']),
        path: `/api/consents/${pick(['scan_analysis', 'scan_analysis', 'marketing', '..', '%00', encodeURIComponent(randomString(5)), 'SCAN_ANALYSIS'])}`,
        kind: 'consent',
      }),
      () => ({ method: pick(['POST', 'DELETE', 'PATCH']), path: pick(['/api/consents', '/api/health', '/api/openapi.json']) }),
      () => ({
        method: pick(['GET', 'POST']),
        path: pick([
          '/api/',
          '/api//scans',
          '/api/scans/x/y/z',
          '/api/%2e%2e/health',
          `/api/${encodeURIComponent(randomString(8))}`,
          '/api/scans/../../etc/passwd',
        ]),
      }),
    ];

    const before = await snapshotState(firebase.db, suite.client, taskQueue, [member, other, reviewer]);
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    const requests = Array.from({ length: COUNT }, () => {
      const e = pick(endpoints)();
      const headers: Record<string, string> = {};
      const a = auth();
      if (a) headers.authorization = a;
      let body: string | Buffer | undefined;
      if (e.kind && e.method !== 'GET' && e.method !== 'HEAD') {
        const b = bodyFor(e.kind);
        body = b.body;
        if (b.contentType) headers['content-type'] = b.contentType;
      }
      if (int(5) === 0)
        headers['idempotency-key'] = pick(['', 'x', 'a'.repeat(200), randomString(10).replace(/[^\x21-\x7e]/g, '_'), `ok-${randomUUID()}`]);
      return { ...e, headers, body };
    });
    // Eight at a time, like a busy client.
    for (let i = 0; i < requests.length; i += 8) {
      await Promise.all(
        requests.slice(i, i + 8).map(async (r) => {
          const res = await api(suite.host, r.path, { method: r.method, headers: r.headers, body: r.body });
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status >= 500) failures.push(`${r.method} ${r.path} -> ${res.status} ${res.text.slice(0, 200)}`);
          if (
            res.status >= 400 &&
            r.method !== 'HEAD' &&
            (res.headers.get('content-type') !== 'application/problem+json' || typeof res.json?.code !== 'string')
          ) {
            failures.push(`${r.method} ${r.path} -> ${res.status} without problem+json`);
          }
        }),
      );
    }
    expect(failures).toEqual([]);
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(COUNT);
    expect([...statuses.keys()].some((s) => s >= 500)).toBe(false);
    // The generator reaches every kind of rejection, not just one.
    for (const s of [400, 401, 403, 404, 405, 413, 415])
      expect(statuses.get(s) ?? 0, `status ${s} in ${JSON.stringify([...statuses])}`).toBeGreaterThan(0);
    expect(await snapshotState(firebase.db, suite.client, taskQueue, [member, other, reviewer])).toEqual(before);
  });
});

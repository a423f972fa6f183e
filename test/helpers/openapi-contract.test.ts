import { beforeAll, describe, expect, it } from 'vitest';
import { PROBLEM_CONTENT_TYPE } from '../../functions/framework/problem';
import { contractViolations } from './openapi-contract';
import { sampleScanResults } from './sample-results';

const JSON_TYPE = 'application/json; charset=utf-8';
const answer = (status: number, json: unknown, contentType = JSON_TYPE) => ({ status, contentType, json, text: JSON.stringify(json) });
const problem = (status: number, code: string, extra: Record<string, unknown> = {}) =>
  answer(
    status,
    { type: `https://api.reddyfit.app/problems/${code}`, title: 't', status, detail: 'd', code, ...extra },
    PROBLEM_CONTENT_TYPE,
  );

let completed: Record<string, unknown>;
beforeAll(async () => {
  completed = {
    scanId: 'scan_0123456789',
    status: 'completed',
    results: await sampleScanResults(),
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
});

describe('the response check every integration suite runs on every answer', () => {
  it('passes a documented status with a body of the documented shape', () => {
    expect(contractViolations('GET', '/api/scans/scan_0123456789', answer(200, completed))).toEqual([]);
    expect(contractViolations('GET', '/api/scans?limit=5', answer(200, { items: [], nextCursor: null }))).toEqual([]);
  });

  it('fails a status the operation does not document', () => {
    expect(contractViolations('GET', '/api/scans/scan_0123456789', problem(409, 'conflict'))).toEqual([
      'GET /api/scans/{scanId}: status 409 is not documented',
    ]);
  });

  it('fails a body that does not match the documented schema', () => {
    const { results: _, ...withoutResults } = completed;
    expect(contractViolations('GET', '/api/scans/scan_0123456789', answer(200, withoutResults))).toEqual([
      "GET /api/scans/{scanId} 200: body must have required property 'results'",
    ]);
    expect(contractViolations('GET', '/api/scans/scan_0123456789', answer(200, { ...completed, weightKg: 80 }))).not.toEqual([]);
  });

  it("checks the results against the workflow's results schema, not an open record", () => {
    const results = completed.results as Record<string, Record<string, unknown>>;
    const { estimate: _, ...withoutEstimate } = results;
    expect(contractViolations('GET', '/api/scans/scan_0123456789', answer(200, { ...completed, results: withoutEstimate }))).toEqual([
      "GET /api/scans/{scanId} 200: body/results must have required property 'estimate'",
    ]);
    const badReview = { ...results, review: { required: true, outcome: 'maybe' } };
    expect(contractViolations('GET', '/api/scans/scan_0123456789', answer(200, { ...completed, results: badReview }))).not.toEqual([]);
    const unknownAgent = { ...results, horoscope: { sign: 'leo' } };
    expect(contractViolations('GET', '/api/scans/scan_0123456789', answer(200, { ...completed, results: unknownAgent }))).not.toEqual([]);
  });

  it('fails a success body sent as a problem, and a problem sent as plain JSON', () => {
    expect(contractViolations('GET', '/api/scans/scan_0123456789', answer(200, completed, PROBLEM_CONTENT_TYPE))).toHaveLength(1);
    expect(
      contractViolations('GET', '/api/scans/scan_0123456789', { ...problem(404, 'scan_not_found'), contentType: JSON_TYPE }),
    ).toHaveLength(1);
  });

  it('accepts the extension members real problems carry, and checks their shape', () => {
    const ended = problem(410, 'cancelled', { scanId: 'scan_0123456789', scanStatus: 'cancelled' });
    expect(contractViolations('GET', '/api/scans/scan_0123456789', ended)).toEqual([]);
    const badStatus = problem(410, 'cancelled', { scanStatus: 'gone' });
    expect(contractViolations('GET', '/api/scans/scan_0123456789', badStatus)).not.toEqual([]);
  });

  it('answers outside any operation must be problems of a host status', () => {
    expect(contractViolations('GET', '/api/nowhere', problem(404, 'not_found'))).toEqual([]);
    expect(contractViolations('PATCH', '/api/health', problem(405, 'method_not_allowed'))).toEqual([]);
    expect(contractViolations('GET', '/api/nowhere', answer(200, {}))).toEqual(['GET (no operation): status 200 outside any operation']);
  });
});

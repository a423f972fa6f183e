import { describe, expect, it } from 'vitest';
import { erasureInProgress, type RefusalCode, RefusedError } from '../common/scans/repository';
import { ApiProblem, isProblem, PROBLEMS, problemOf } from './errors';
import { PROBLEM_TYPE_BASE } from './framework/problem';

describe('the problem table', () => {
  it('answers each code with its status, title and a type URI made from the code', () => {
    const p = new ApiProblem('scan_not_found').toProblem();
    expect(p).toEqual({
      type: `${PROBLEM_TYPE_BASE}scan_not_found`,
      title: 'Scan not found',
      status: 404,
      detail: 'there is no scan with this id that you can see',
      code: 'scan_not_found',
    });
    // Without a detail of its own, the title says it.
    expect(new ApiProblem('reviewer_role_required').toProblem().detail).toBe('Reviewer role required');
  });

  it("keeps the table's headers and extensions beside the caller's", () => {
    const p = new ApiProblem('invalid_token', 'this account id is not supported');
    expect(p.headers).toEqual({ 'WWW-Authenticate': 'Bearer realm="reddyfit", error="invalid_token"' });
    expect(p.toProblem()).toMatchObject({ status: 401, detail: 'this account id is not supported' });
    expect(new ApiProblem('consent_required').toProblem()).toMatchObject({ status: 403, consentType: 'scan_analysis' });
  });

  it('tells one code from another', () => {
    expect(isProblem(new ApiProblem('secrets_pending'), 'secrets_pending')).toBe(true);
    expect(isProblem(new ApiProblem('service_unavailable'), 'secrets_pending')).toBe(false);
    expect(isProblem(new Error('secrets_pending'), 'secrets_pending')).toBe(false);
  });
});

describe('a refusal from common/ becomes the problem with its code', () => {
  const refusals: Record<RefusalCode, number> = {
    no_scan_credit: 402,
    consent_required: 403,
    idempotency_key_reused: 422,
    captured_at_before_previous_scan: 400,
    erasure_in_progress: 409,
    share_limit_reached: 409,
    scan_in_progress: 409,
    daily_scan_limit: 429,
  };
  for (const [code, status] of Object.entries(refusals) as [RefusalCode, number][]) {
    it(`${code} → ${status}`, () => {
      const p = problemOf(new RefusedError(code, 'refused')).toProblem();
      expect(p).toMatchObject({ code, status, title: PROBLEMS[code].title });
    });
  }

  it("the table's detail for the member, else the refusal's own; what the refusal names as extensions", () => {
    expect(problemOf(erasureInProgress()).toProblem().detail).toBe(PROBLEMS.erasure_in_progress.detail);
    expect(problemOf(new RefusedError('idempotency_key_reused', 'the scan of this Idempotency-Key no longer exists')).message).toBe(
      'the scan of this Idempotency-Key no longer exists',
    );
    expect(problemOf(new RefusedError('scan_in_progress', 'open', { openScanId: 'scan_1' })).toProblem()).toMatchObject({
      openScanId: 'scan_1',
    });
  });
});

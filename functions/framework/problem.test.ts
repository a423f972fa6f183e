import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { fieldErrorsFrom, PROBLEM_TYPE_BASE, ProblemError, problem } from './problem';

class TeapotError extends ProblemError {
  override readonly name = 'TeapotError';
  readonly code = 'teapot';
  readonly status = 418;
  readonly title = 'I am a teapot';
}

describe('problem details (RFC 9457)', () => {
  it('builds type, title, status, detail and a stable code; standard members win over extensions', () => {
    expect(problem({ status: 404, code: 'scan_not_found', title: 'Scan not found', extensions: { status: 200, scanId: 's1' } })).toEqual({
      type: `${PROBLEM_TYPE_BASE}scan_not_found`,
      title: 'Scan not found',
      status: 404,
      detail: 'Scan not found',
      code: 'scan_not_found',
      scanId: 's1',
    });
  });
  it('typed errors carry their own name, code and status', () => {
    const err = new TeapotError('short and stout', { extensions: { spout: true } });
    expect(err).toBeInstanceOf(ProblemError);
    expect(err.name).toBe('TeapotError');
    expect(err.toProblem()).toMatchObject({ status: 418, code: 'teapot', detail: 'short and stout', spout: true });
  });
  it('field errors name paths and never echo values', () => {
    const schema = z.object({ weightKg: z.number(), sex: z.enum(['male', 'female']), nested: z.object({ a: z.string().min(3) }) }).strict();
    const secret = 'SECRET-91.7';
    const parsed = schema.safeParse({ weightKg: secret, sex: secret, nested: { a: 'x' }, extraField: secret, 'weird key/\u202e': secret });
    const errors = fieldErrorsFrom(parsed.error!, 'body');
    expect(JSON.stringify(errors)).not.toContain('SECRET');
    // Unknown keys are reported by name when the name is plain, as (unprintable) otherwise.
    expect(errors.map((e) => e.path).sort()).toEqual(['(unprintable)', 'extraField', 'nested.a', 'sex', 'weightKg']);
    expect(errors.find((e) => e.path === 'nested.a')).toMatchObject({ in: 'body', pointer: '#/nested/a', code: 'too_small' });
  });
});

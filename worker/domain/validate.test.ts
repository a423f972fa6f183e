import { describe, expect, it } from 'vitest';
import { DomainInputError } from './errors';
import { requireAdultAge, requirePositive, requireSex, round } from './validate';

describe('validate helpers', () => {
  it('accepts valid values', () => {
    expect(requirePositive(1.5, 'x', 'x')).toBe(1.5);
    expect(requireAdultAge(18)).toBe(18);
    expect(requireAdultAge(100)).toBe(100);
    expect(requireSex('female')).toBe('female');
    expect(round(1.25, 1)).toBeCloseTo(1.3, 10);
  });
  it('throws DomainInputError with stable codes', () => {
    expect(() => requirePositive(0, 'invalid_weight', 'weight')).toThrow(DomainInputError);
    expect(() => requirePositive(Number.NaN, 'invalid_weight', 'weight')).toThrow(/weight/);
    expect(() => requireAdultAge(17)).toThrowError(expect.objectContaining({ code: 'invalid_age', name: 'DomainInputError' }));
    expect(() => requireAdultAge(101)).toThrowError(expect.objectContaining({ code: 'invalid_age' }));
    expect(() => requireSex('x')).toThrowError(expect.objectContaining({ code: 'invalid_sex' }));
  });
});

import { describe, expect, it } from 'vitest';
import { ageRuleViolation, ScanMeasurementsSchema } from './scan';

const at = '2026-06-15T08:00:00Z';

describe('the age rule: adults 18-100 at capturedAt, however the age is given', () => {
  it('age alone: 18 and 100 pass, 17 and 101 do not', () => {
    expect(ageRuleViolation({ age: 18, capturedAt: at })).toBeUndefined();
    expect(ageRuleViolation({ age: 100, capturedAt: at })).toBeUndefined();
    expect(ageRuleViolation({ age: 17, capturedAt: at })).toBe('age_out_of_range');
    expect(ageRuleViolation({ age: 101, capturedAt: at })).toBe('age_out_of_range');
  });

  it('birth year alone: the youngest possible age must be 18 and the oldest at most 100', () => {
    expect(ageRuleViolation({ birthYear: 2014, capturedAt: at })).toBe('age_out_of_range'); // 11 or 12
    expect(ageRuleViolation({ birthYear: 2008, capturedAt: at })).toBe('age_out_of_range'); // 17 or 18
    expect(ageRuleViolation({ birthYear: 2007, capturedAt: at })).toBeUndefined(); // 18 or 19
    expect(ageRuleViolation({ birthYear: 1926, capturedAt: at })).toBeUndefined(); // 99 or 100
    expect(ageRuleViolation({ birthYear: 1925, capturedAt: at })).toBe('age_out_of_range'); // 100 or 101
  });

  it('the rule is judged at capturedAt, not today', () => {
    expect(ageRuleViolation({ birthYear: 2007, capturedAt: '2025-12-31T23:00:00Z' })).toBe('age_out_of_range');
  });

  it('both given: they must agree (the year difference, or one less before the birthday)', () => {
    expect(ageRuleViolation({ age: 30, birthYear: 1996, capturedAt: at })).toBeUndefined();
    expect(ageRuleViolation({ age: 29, birthYear: 1996, capturedAt: at })).toBeUndefined();
    expect(ageRuleViolation({ age: 35, birthYear: 1996, capturedAt: at })).toBe('age_mismatch');
    expect(ageRuleViolation({ age: 30, birthYear: 2014, capturedAt: at })).toBe('age_mismatch');
  });

  it('a stored scan never holds a minor: the measurements schema applies the same rule', () => {
    const base = { weightKg: 60, heightCm: 160, sex: 'female' as const, capturedAt: at };
    expect(ScanMeasurementsSchema.safeParse({ ...base, birthYear: 2014 }).success).toBe(false);
    expect(ScanMeasurementsSchema.safeParse({ ...base, age: 12 }).success).toBe(false);
    expect(ScanMeasurementsSchema.safeParse({ ...base, age: 40 }).success).toBe(true);
  });
});

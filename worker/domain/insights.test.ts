import { describe, expect, it } from 'vitest';
import type { Trend } from '../../common/contracts/deltas';
import { type Insight, InsightsSchema } from '../../common/contracts/scan-results';
import { bodyFatCategory, insightsFrom } from './insights';

const firstTrend: Trend = {
  previous: null,
  sevenDay: null,
  thirtyDay: null,
  smoothedBodyFatPercent: 23.2,
  trendPerWeek: null,
  direction: null,
  implausibleChange: false,
  ratePerDay: null,
  scansConsidered: 1,
};

/** Every number written in a message must be one of the evidence values. */
function numbersGrounded(i: Insight): boolean {
  const allowed = new Set(
    Object.values(i.evidence)
      .filter((v) => typeof v === 'number')
      .map((v) => Number(v)),
  );
  const found = i.message.match(/-?\d+(?:\.\d+)?/g) ?? [];
  return found.every((n) => allowed.has(Number(n)) || allowed.has(-Number(n)));
}

describe('bodyFatCategory (ACE)', () => {
  it('men', () => {
    expect(bodyFatCategory('male', 1.5).category).toBe('below_essential');
    expect(bodyFatCategory('male', 4).category).toBe('essential');
    expect(bodyFatCategory('male', 10).category).toBe('athletes');
    expect(bodyFatCategory('male', 15).category).toBe('fitness');
    expect(bodyFatCategory('male', 24.9).category).toBe('average');
    expect(bodyFatCategory('male', 25).category).toBe('obese');
  });
  it('women', () => {
    expect(bodyFatCategory('female', 9).category).toBe('below_essential');
    expect(bodyFatCategory('female', 12).category).toBe('essential');
    expect(bodyFatCategory('female', 20).category).toBe('athletes');
    expect(bodyFatCategory('female', 22).category).toBe('fitness');
    expect(bodyFatCategory('female', 31).category).toBe('average');
    expect(bodyFatCategory('female', 32).category).toBe('obese');
  });
});

describe('insightsFrom', () => {
  it('first scan: category + first-scan note', () => {
    const r = insightsFrom({ sex: 'male', age: 40, estimate: { bodyFatPercent: 23.2, confidence: 0.6 }, trend: firstTrend });
    expect(r.map((i) => i.code)).toEqual(['body_fat_category', 'first_scan']);
    expect(r[0]?.evidence.category).toBe('average');
    expect(r[0]?.severity).toBe('info');
    expect(r.every(numbersGrounded)).toBe(true);
    expect(InsightsSchema.parse(r)).toEqual(r);
  });

  it('30-day loss, implausible jump and low confidence', () => {
    const trend: Trend = {
      previous: { fromScanId: 'p', days: 2, bodyFatPercent: -1, weightKg: -0.4 },
      sevenDay: null,
      thirtyDay: { fromScanId: 'a', days: 30, bodyFatPercent: -2.5, weightKg: -2 },
      smoothedBodyFatPercent: 27,
      trendPerWeek: -0.6,
      direction: 'losing',
      implausibleChange: true,
      ratePerDay: -0.5,
      scansConsidered: 5,
    };
    const r = insightsFrom({ sex: 'female', age: 35, estimate: { bodyFatPercent: 28.04, confidence: 0.42 }, trend });
    expect(r.map((i) => i.code)).toEqual(['body_fat_category', 'thirty_day_change', 'implausible_change', 'low_confidence']);
    expect(r[0]?.evidence.bodyFatPercent).toBeCloseTo(28, 10);
    expect(r[1]?.severity).toBe('positive');
    expect(r[1]?.message).toContain('down 2.5 percentage points');
    expect(r[2]?.severity).toBe('attention');
    expect(r[3]?.evidence.confidence).toBeCloseTo(0.42, 10);
    expect(r.every(numbersGrounded)).toBe(true);
  });

  it('gaining while obese is flagged for attention; lean athlete is positive', () => {
    const trend: Trend = {
      ...firstTrend,
      previous: { fromScanId: 'p', days: 7, bodyFatPercent: 0.5, weightKg: 1 },
      thirtyDay: { fromScanId: 'a', days: 28, bodyFatPercent: 1.5, weightKg: 3 },
      trendPerWeek: 0.4,
      direction: 'gaining',
      scansConsidered: 4,
    };
    const r = insightsFrom({ sex: 'male', age: 50, estimate: { bodyFatPercent: 30, confidence: 0.8 }, trend });
    expect(r[0]?.severity).toBe('attention');
    expect(r[1]?.severity).toBe('attention');
    expect(r.every(numbersGrounded)).toBe(true);
    const a = insightsFrom({ sex: 'male', age: 25, estimate: { bodyFatPercent: 10, confidence: 0.8 }, trend: firstTrend });
    expect(a[0]?.severity).toBe('positive');
  });

  it('rejects invalid input', () => {
    expect(() =>
      insightsFrom({ sex: 'male', age: 40, estimate: { bodyFatPercent: 120, confidence: 0.6 }, trend: firstTrend }),
    ).toThrowError(expect.objectContaining({ code: 'invalid_body_fat' }));
    expect(() => insightsFrom({ sex: 'male', age: 40, estimate: { bodyFatPercent: 20, confidence: 1.5 }, trend: firstTrend })).toThrowError(
      expect.objectContaining({ code: 'invalid_confidence' }),
    );
    expect(() => insightsFrom({ sex: 'male', age: 12, estimate: { bodyFatPercent: 20, confidence: 0.5 }, trend: firstTrend })).toThrowError(
      expect.objectContaining({ code: 'invalid_age' }),
    );
  });
});

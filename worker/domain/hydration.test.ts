import { describe, expect, it } from 'vitest';
import { HydrationPlanSchema } from '../../common/contracts/scan-results';
import { hydrationPlan, mlPerKgForAge } from './hydration';

describe('hydrationPlan', () => {
  it('weight-based when above the EFSA floor', () => {
    // 80 kg · 35 ml = 2800 > 2500; exercise 60 min · 500/60 = 500; total 3300; drinks 0.8·2800 + 500 = 2740
    const h = hydrationPlan({ weightKg: 80, age: 30, sex: 'male', exerciseMinutesPerDay: 60 });
    expect(h.totalMl).toBeCloseTo(3300, 10);
    expect(h.fromDrinksMl).toBeCloseTo(2740, 10);
    expect(h.exerciseAddOnMl).toBeCloseTo(500, 10);
    expect(h.mlPerKg).toBeCloseTo(35, 10);
    expect(h.efsaFloorMl).toBeCloseTo(2500, 10);
    expect(h.basis).toBe('weight');
    expect(HydrationPlanSchema.parse(h)).toEqual(h);
  });
  it('EFSA floor when weight-based is lower', () => {
    // 50 kg · 32 ml = 1600 < 2000 → 2000; exercise 30 min → 250; total 2250; drinks 1600 + 250 = 1850
    const h = hydrationPlan({ weightKg: 50, age: 40, sex: 'female', exerciseMinutesPerDay: 30 });
    expect(h.totalMl).toBeCloseTo(2250, 10);
    expect(h.fromDrinksMl).toBeCloseTo(1850, 10);
    expect(h.basis).toBe('efsa-floor');
  });
  it('rounds to the nearest 10 ml', () => {
    // 101 kg · 25 ml = 2525 (age 70); exercise 7 min → 58.33…; total 2583.33 → 2580; add-on → 60
    const h = hydrationPlan({ weightKg: 101, age: 70, sex: 'male', exerciseMinutesPerDay: 7 });
    expect(h.totalMl).toBeCloseTo(2580, 10);
    expect(h.exerciseAddOnMl).toBeCloseTo(60, 10);
  });
  it('age bands', () => {
    expect(mlPerKgForAge(18)).toBe(35);
    expect(mlPerKgForAge(31)).toBe(32);
    expect(mlPerKgForAge(56)).toBe(30);
    expect(mlPerKgForAge(66)).toBe(25);
  });
  it('rejects invalid input', () => {
    expect(() => hydrationPlan({ weightKg: 0, age: 30, sex: 'male', exerciseMinutesPerDay: 0 })).toThrowError(
      expect.objectContaining({ code: 'invalid_weight' }),
    );
    expect(() => hydrationPlan({ weightKg: 70, age: 30, sex: 'male', exerciseMinutesPerDay: -5 })).toThrowError(
      expect.objectContaining({ code: 'invalid_exercise_minutes' }),
    );
    expect(() => hydrationPlan({ weightKg: 70, age: 30, sex: 'male', exerciseMinutesPerDay: 2000 })).toThrowError(
      expect.objectContaining({ code: 'invalid_exercise_minutes' }),
    );
    expect(() => hydrationPlan({ weightKg: 70, age: 10, sex: 'male', exerciseMinutesPerDay: 0 })).toThrowError(
      expect.objectContaining({ code: 'invalid_age' }),
    );
  });
});

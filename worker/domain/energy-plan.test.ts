import { describe, expect, it } from 'vitest';
import { EnergyPlanSchema } from '../../common/contracts/scan-results';
import { energyPlan } from './energy-plan';

const male = { weightKg: 80, heightCm: 180, age: 30, sex: 'male' as const, leanMassKg: 64 };

describe('energyPlan', () => {
  it('fat loss with known lean mass (Katch-McArdle, 20% deficit)', () => {
    // BMR 370 + 21.6·64 = 1752.4; × 1.55 = 2716.22; deficit 0.2·2716.22 = 543.244
    // weekly cap 80·0.01·7700/7 = 880 > 543.244 → not binding; target 2172.976 → 2173
    // protein 2.4·64 = 153.6 → 154 g; fat 0.25·2173/9 = 60.36 → 60 g; carbs (2173 − 616 − 540)/4 = 254.25 → 254 g
    const p = energyPlan({ ...male, activityLevel: 'moderate', goal: 'lose_fat' });
    expect(p.bmrKcal).toBeCloseTo(1752, 10);
    expect(p.bmrEquation).toBe('katch-mcardle');
    expect(p.activityMultiplier).toBeCloseTo(1.55, 10);
    expect(p.maintenanceKcal).toBeCloseTo(2716, 10);
    expect(p.targetKcal).toBeCloseTo(2173, 10);
    expect(p.adjustmentKcal).toBeCloseTo(-543, 10);
    expect(p.proteinG).toBeCloseTo(154, 10);
    expect(p.fatG).toBeCloseTo(60, 10);
    expect(p.carbsG).toBeCloseTo(254, 10);
    expect(p.proteinGPerKgFfm).toBeCloseTo(2.4, 10);
    expect(EnergyPlanSchema.parse(p)).toEqual(p);
  });

  it('maintain and gain (10% surplus)', () => {
    // maintain: target 2716; protein 2.0·64 = 128 g
    const m = energyPlan({ ...male, activityLevel: 'moderate', goal: 'maintain' });
    expect(m.targetKcal).toBeCloseTo(2716, 10);
    expect(m.adjustmentKcal).toBeCloseTo(0, 10);
    expect(m.proteinG).toBeCloseTo(128, 10);
    // gain: 2716.22 + 271.622 = 2987.842 → 2988; protein 2.2·64 = 140.8 → 141 g
    const g = energyPlan({ ...male, activityLevel: 'moderate', goal: 'gain_muscle' });
    expect(g.targetKcal).toBeCloseTo(2988, 10);
    expect(g.proteinG).toBeCloseTo(141, 10);
  });

  it('caps the surplus at 500 kcal', () => {
    // BMR 370 + 21.6·110 = 2746; × 1.9 = 5217.4; 10% = 521.74 > 500 → target 5717.4 → 5717
    const g = energyPlan({
      weightKg: 125,
      heightCm: 200,
      age: 25,
      sex: 'male',
      leanMassKg: 110,
      activityLevel: 'very_active',
      goal: 'gain_muscle',
    });
    expect(g.maintenanceKcal).toBeCloseTo(5217, 10);
    expect(g.targetKcal).toBeCloseTo(5717, 10);
    expect(g.notes.length).toBe(1);
  });

  it('caps the deficit at 1% body weight per week', () => {
    // Mifflin: 550 + 1187.5 − 90 + 5 = 1652.5; × 1.9 = 3139.75; 20% = 627.95
    // cap 55·0.01·7700/7 = 605 → target 3139.75 − 605 = 2534.75 → 2535
    const p = energyPlan({ weightKg: 55, heightCm: 190, age: 18, sex: 'male', activityLevel: 'very_active', goal: 'lose_fat' });
    expect(p.bmrEquation).toBe('mifflin-st-jeor');
    expect(p.bmrKcal).toBeCloseTo(1653, 10);
    expect(p.maintenanceKcal).toBeCloseTo(3140, 10);
    expect(p.targetKcal).toBeCloseTo(2535, 10);
    expect(p.proteinG).toBeGreaterThan(0);
    expect(p.notes.some((n) => n.includes('1% of body weight'))).toBe(true);
  });

  it('never goes below the calorie floor', () => {
    // BMR 370 + 21.6·35 = 1126; × 1.2 = 1351.2; 20% → 1080.96 < 1200 → target 1200
    const p = energyPlan({
      weightKg: 50,
      heightCm: 155,
      age: 60,
      sex: 'female',
      leanMassKg: 35,
      activityLevel: 'sedentary',
      goal: 'lose_fat',
    });
    expect(p.maintenanceKcal).toBeCloseTo(1351, 10);
    expect(p.targetKcal).toBeCloseTo(1200, 10);
    expect(p.adjustmentKcal).toBeCloseTo(-151, 10);
    // male floor 1500: BMR 370 + 21.6·40 = 1234; × 1.2 = 1480.8 < 1500 → target stays at maintenance 1481
    const m = energyPlan({
      weightKg: 55,
      heightCm: 165,
      age: 70,
      sex: 'male',
      leanMassKg: 40,
      activityLevel: 'sedentary',
      goal: 'lose_fat',
    });
    expect(m.targetKcal).toBeCloseTo(1481, 10);
    expect(m.adjustmentKcal).toBeCloseTo(0, 10);
  });

  it('rejects invalid input', () => {
    expect(() => energyPlan({ ...male, activityLevel: 'couch' as never, goal: 'maintain' })).toThrowError(
      expect.objectContaining({ code: 'invalid_activity_level' }),
    );
    expect(() => energyPlan({ ...male, activityLevel: 'light', goal: 'bulk' as never })).toThrowError(
      expect.objectContaining({ code: 'invalid_goal' }),
    );
    expect(() => energyPlan({ ...male, weightKg: -1, activityLevel: 'light', goal: 'maintain' })).toThrowError(
      expect.objectContaining({ code: 'invalid_weight' }),
    );
    expect(() => energyPlan({ ...male, age: 16, activityLevel: 'light', goal: 'maintain' })).toThrowError(
      expect.objectContaining({ code: 'invalid_age' }),
    );
  });
});

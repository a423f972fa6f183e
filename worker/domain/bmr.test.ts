import { describe, expect, it } from 'vitest';
import { katchMcArdleBmr, mifflinStJeorBmr, restingEnergy } from './bmr';

describe('katchMcArdleBmr', () => {
  it('370 + 21.6·LBM', () => {
    // 370 + 21.6·60 = 370 + 1296 = 1666
    expect(katchMcArdleBmr(60)).toBeCloseTo(1666, 10);
    // 370 + 21.6·64 = 370 + 1382.4 = 1752.4
    expect(katchMcArdleBmr(64)).toBeCloseTo(1752.4, 10);
  });
  it('rejects invalid lean mass', () => {
    expect(() => katchMcArdleBmr(0)).toThrowError(expect.objectContaining({ code: 'invalid_lean_mass' }));
    expect(() => katchMcArdleBmr(Number.NaN)).toThrowError(expect.objectContaining({ code: 'invalid_lean_mass' }));
  });
});

describe('mifflinStJeorBmr', () => {
  it('male 80 kg, 180 cm, 30 y', () => {
    // 800 + 1125 − 150 + 5 = 1780
    expect(mifflinStJeorBmr({ weightKg: 80, heightCm: 180, age: 30, sex: 'male' })).toBeCloseTo(1780, 10);
  });
  it('female 80 kg, 180 cm, 30 y', () => {
    // 800 + 1125 − 150 − 161 = 1614
    expect(mifflinStJeorBmr({ weightKg: 80, heightCm: 180, age: 30, sex: 'female' })).toBeCloseTo(1614, 10);
  });
  it('rejects invalid input', () => {
    expect(() => mifflinStJeorBmr({ weightKg: 80, heightCm: 180, age: 10, sex: 'male' })).toThrowError(
      expect.objectContaining({ code: 'invalid_age' }),
    );
    expect(() => mifflinStJeorBmr({ weightKg: 80, heightCm: 0, age: 30, sex: 'male' })).toThrowError(
      expect.objectContaining({ code: 'invalid_height' }),
    );
  });
});

describe('restingEnergy', () => {
  it('uses Katch-McArdle when lean mass is known', () => {
    expect(restingEnergy({ weightKg: 80, heightCm: 180, age: 30, sex: 'male', leanMassKg: 60 })).toEqual({
      kcal: 1666,
      equation: 'katch-mcardle',
    });
  });
  it('falls back to Mifflin-St Jeor', () => {
    const r = restingEnergy({ weightKg: 80, heightCm: 180, age: 30, sex: 'female' });
    expect(r.equation).toBe('mifflin-st-jeor');
    expect(r.kcal).toBeCloseTo(1614, 10);
  });
  it('rejects lean mass that is not below weight', () => {
    expect(() => restingEnergy({ weightKg: 80, heightCm: 180, age: 30, sex: 'male', leanMassKg: 80 })).toThrowError(
      expect.objectContaining({ code: 'invalid_lean_mass' }),
    );
    expect(() => restingEnergy({ weightKg: 80, heightCm: 180, age: 30, sex: 'male', leanMassKg: -5 })).toThrowError(
      expect.objectContaining({ code: 'invalid_lean_mass' }),
    );
  });
});

import { describe, expect, it } from 'vitest';
import { AnthropometricEstimateSchema } from '../../common/contracts/scan-results';
import { anthropometricPrior, priorConfidence } from './anthropometric-prior';

describe('anthropometricPrior', () => {
  it('male 81 kg, 180 cm, 40 y (BMI 25)', () => {
    // Deurenberg 23.0, CUN-BAE 23.432 → mean 23.216; fat 81·0.23216 = 18.80496; lean 62.19504
    // disagreement 0.432 ≤ 2 and BMI/age in range → confidence 0.6
    const r = anthropometricPrior({ weightKg: 81, heightCm: 180, age: 40, sex: 'male' });
    expect(r.bodyFatPercent).toBeCloseTo(23.2, 10);
    expect(r.fatMassKg).toBeCloseTo(18.8, 10);
    expect(r.leanMassKg).toBeCloseTo(62.2, 10);
    expect(r.bmi).toBeCloseTo(25.0, 10);
    expect(r.confidence).toBeCloseTo(0.6, 10);
    expect(r.method).toBe('anthropometric-prior');
    expect(r.equations.deurenberg).toBeCloseTo(23.0, 10);
    expect(r.equations.cunBae).toBeCloseTo(23.4, 10);
    expect(AnthropometricEstimateSchema.parse(r)).toEqual(r);
  });
  it('female 81 kg, 180 cm, 40 y', () => {
    // mean (33.8 + 35.521)/2 = 34.6605; fat 81·0.346605 = 28.075005; lean 52.924995
    const r = anthropometricPrior({ weightKg: 81, heightCm: 180, age: 40, sex: 'female' });
    expect(r.bodyFatPercent).toBeCloseTo(34.7, 10);
    expect(r.fatMassKg).toBeCloseTo(28.1, 10);
    expect(r.leanMassKg).toBeCloseTo(52.9, 10);
    expect(r.confidence).toBeCloseTo(0.6, 10);
  });
  it('lowers confidence when equations disagree and BMI is high', () => {
    // 129.6 kg, 180 cm → BMI 40; age 70 male: Deurenberg 47.9, CUN-BAE 43.022, mean 45.461
    // confidence 0.6 − 0.05·(4.878 − 2) − 0.1 (BMI > 35) = 0.3561 → 0.36
    const r = anthropometricPrior({ weightKg: 129.6, heightCm: 180, age: 70, sex: 'male' });
    expect(r.bmi).toBeCloseTo(40, 10);
    expect(r.bodyFatPercent).toBeCloseTo(45.5, 10);
    expect(r.confidence).toBeCloseTo(0.36, 10);
  });
  it('confidence rule penalties and floor', () => {
    expect(priorConfidence(1, 25, 40)).toBeCloseTo(0.6, 10);
    expect(priorConfidence(-4, 25, 40)).toBeCloseTo(0.5, 10); // 0.6 − 0.05·2
    expect(priorConfidence(0, 17, 85)).toBeCloseTo(0.4, 10); // 0.6 − 0.1 − 0.1
    expect(priorConfidence(30, 50, 90)).toBeCloseTo(0.1, 10); // floor
  });
  it('clamps to the plausible range', () => {
    // 45 kg, 190 cm → BMI 12.465…, age 18 male: both equations give negative/very low values → clamped at 3
    const r = anthropometricPrior({ weightKg: 45, heightCm: 190, age: 18, sex: 'male' });
    expect(r.bodyFatPercent).toBeCloseTo(3, 10);
  });
  it('rejects invalid input', () => {
    expect(() => anthropometricPrior({ weightKg: 0, heightCm: 180, age: 40, sex: 'male' })).toThrowError(
      expect.objectContaining({ code: 'invalid_weight' }),
    );
    expect(() => anthropometricPrior({ weightKg: 80, heightCm: -1, age: 40, sex: 'male' })).toThrowError(
      expect.objectContaining({ code: 'invalid_height' }),
    );
    expect(() => anthropometricPrior({ weightKg: 80, heightCm: 180, age: 15, sex: 'male' })).toThrowError(
      expect.objectContaining({ code: 'invalid_age' }),
    );
    expect(() => anthropometricPrior({ weightKg: 80, heightCm: 180, age: 40, sex: 'm' as never })).toThrowError(
      expect.objectContaining({ code: 'invalid_sex' }),
    );
  });
});

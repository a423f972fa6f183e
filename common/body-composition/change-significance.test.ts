import { describe, expect, it } from 'vitest';
import { BEYOND_DAY_TO_DAY_VARIATION, changeSignificance, WITHIN_DAY_TO_DAY_VARIATION } from './change-significance';
import { PHOTO_BODY_FAT_SEM_PP, WEIGHT_SEM_KG } from './repeatability';

// An equations-only scan of a member at 1.80 m: the prior moves ≈ 0.39 pp per kg (Deurenberg's 1.2 pp per BMI unit / 3.24 m²).
const equations = { bodyFatPercent: 0.39 * WEIGHT_SEM_KG, weightKg: WEIGHT_SEM_KG, leanMassKg: 0.6 * WEIGHT_SEM_KG };
const photo = { bodyFatPercent: PHOTO_BODY_FAT_SEM_PP, weightKg: WEIGHT_SEM_KG, leanMassKg: 0.85 };

describe('changeSignificance', () => {
  it('two scans two days apart, 1 kg lighter and 0.4 points leaner: within day-to-day variation', () => {
    const s = changeSignificance({ days: 2, bodyFatPercent: -0.4, weightKg: -1 }, equations, equations);
    expect(s.weightKg.beyondNoise).toBe(false);
    expect(s.bodyFatPercent.beyondNoise).toBe(false);
    expect(s.summary).toContain(WITHIN_DAY_TO_DAY_VARIATION);
    expect(s.summary).not.toContain(BEYOND_DAY_TO_DAY_VARIATION);
  });
  it('six points of body fat over 30 days from photos: beyond day-to-day variation', () => {
    const s = changeSignificance({ days: 30, bodyFatPercent: -6, weightKg: -4 }, photo, photo);
    expect(s.bodyFatPercent.beyondNoise).toBe(true);
    expect(s.bodyFatPercent.minimalDetectableChange).toBeCloseTo(2.9, 2);
    expect(s.summary).toMatch(/^Body fat −6\.0 points over 30 days: beyond day-to-day variation/);
  });
  it('six points over 30 days from the equations (a 15 kg change): beyond day-to-day variation', () => {
    const s = changeSignificance({ days: 30, bodyFatPercent: 6, weightKg: 15.4 }, equations, equations);
    expect(s.bodyFatPercent.beyondNoise).toBe(true);
    expect(s.weightKg.beyondNoise).toBe(true);
  });
  it('reports lean mass when both scans have it', () => {
    const s = changeSignificance({ days: 7, bodyFatPercent: 0, weightKg: 0, leanMassKg: 0.2 }, photo, photo);
    expect(s.leanMassKg?.beyondNoise).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { minimalDetectableChange, PHOTO_BODY_FAT_SEM_PP, WEIGHT_DAY_TO_DAY_DIFFERENCE_SD_KG, WEIGHT_SEM_KG, Z_95 } from './repeatability';

describe('day-to-day variation from published figures', () => {
  it('weight: 6.2 % of day-to-day changes ≥ 1 kg (Edholm 1974) → SD of a difference ≈ 0.54 kg', () => {
    // P(|d| ≥ 1) = 0.062 for d ~ N(0, σ²) ⇔ 1/σ = z(0.969) = 1.866
    expect(1 / 1.866).toBeCloseTo(WEIGHT_DAY_TO_DAY_DIFFERENCE_SD_KG, 2);
    expect(WEIGHT_SEM_KG).toBeCloseTo(0.3818, 4);
  });
  it('photo body fat: SD 10.1 pp, ICC 0.99 → SEM ≈ 1.01 pp', () => {
    expect(PHOTO_BODY_FAT_SEM_PP).toBeCloseTo(1.01, 10);
  });
});

describe('minimalDetectableChange', () => {
  it('is 1.96·√2·SEM for two readings with the same SEM (plus the published rounding)', () => {
    expect(minimalDetectableChange('weightKg', WEIGHT_SEM_KG, WEIGHT_SEM_KG)).toBeCloseTo(Z_95 * Math.SQRT2 * WEIGHT_SEM_KG, 10);
    // weight: 1.96·0.54 = 1.0584 kg
    expect(minimalDetectableChange('weightKg', WEIGHT_SEM_KG, WEIGHT_SEM_KG)).toBeCloseTo(1.0584, 4);
    // photo body fat: 1.96·√2·1.01 + 0.1 = 2.90 pp
    expect(minimalDetectableChange('bodyFatPercent', PHOTO_BODY_FAT_SEM_PP, PHOTO_BODY_FAT_SEM_PP)).toBeCloseTo(2.8996, 3);
  });
});

import { describe, expect, it } from 'vitest';
import {
  CUN_BAE_SEE_PP,
  DEURENBERG_SEE_PP,
  estimateRanges,
  fusedSeePp,
  PHOTO_SEE_PP,
  PRIOR_RANGE_SOURCE,
  PRIOR_SEE_PP,
} from './estimate-range';

describe('published standard errors', () => {
  it('pins each constant to its source', () => {
    expect(DEURENBERG_SEE_PP).toBe(4.1); // Deurenberg et al. 1991
    expect(CUN_BAE_SEE_PP).toBe(4.66); // Gómez-Ambrosi et al. 2012
    // Majmudar et al. 2022: LoA −4.7…+6.4 → (11.1)/(3.92) = 2.8316…
    expect(PHOTO_SEE_PP).toBeCloseTo(2.8316, 4);
    expect(PRIOR_SEE_PP).toBeCloseTo(4.38, 10);
  });
});

describe('estimateRanges', () => {
  it('equations only: ± 1.96·4.38 = ± 8.58 pp around the estimate, masses follow', () => {
    const r = estimateRanges({ bodyFatPercent: 23.2, weightKg: 81, seePp: PRIOR_SEE_PP, source: PRIOR_RANGE_SOURCE });
    // 23.2 ∓ 8.5848 → 14.6152 … 31.7848
    expect(r.bodyFatPercent).toEqual({ low: 14.6, high: 31.8 });
    // fat 81·0.146152 = 11.84, 81·0.317848 = 25.75; lean 81 − those
    expect(r.fatMassKg).toEqual({ low: 11.8, high: 25.7 });
    expect(r.leanMassKg).toEqual({ low: 55.3, high: 69.2 });
    expect(r.level).toBe(0.95);
    expect(r.standardErrorPp).toBe(4.38);
  });
  it('never reaches below 0 % or above 100 %', () => {
    const r = estimateRanges({ bodyFatPercent: 5, weightKg: 60, seePp: PRIOR_SEE_PP, source: 's' });
    expect(r.bodyFatPercent.low).toBe(0);
    expect(r.leanMassKg.high).toBe(60);
  });
});

describe('fusedSeePp', () => {
  it('with inverse-variance weights it is the inverse-variance combination', () => {
    const wp = 1 / PRIOR_SEE_PP ** 2;
    const wv = 1 / PHOTO_SEE_PP ** 2;
    expect(fusedSeePp(wp, wv)).toBeCloseTo(1 / Math.sqrt(wp + wv), 10);
  });
  it('equal confidences: √(4.38² + 2.83²)/2 ≈ 2.61 pp, narrower than either alone', () => {
    expect(fusedSeePp(0.6, 0.6)).toBeCloseTo(Math.hypot(4.38, PHOTO_SEE_PP) / 2, 10);
    expect(fusedSeePp(0.6, 0.6)).toBeLessThan(PHOTO_SEE_PP);
  });
  it('no vision weight: the prior alone', () => {
    expect(fusedSeePp(0.6, 0)).toBeCloseTo(PRIOR_SEE_PP, 10);
  });
});

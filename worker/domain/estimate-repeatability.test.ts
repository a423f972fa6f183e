import { describe, expect, it } from 'vitest';
import { WITHIN_DAY_TO_DAY_VARIATION } from '../../common/body-composition/change-significance';
import { PHOTO_BODY_FAT_SEM_PP, WEIGHT_SEM_KG } from '../../common/body-composition/repeatability';
import { anthropometricPrior, priorBodyAtWeight } from './anthropometric-prior';
import { fusedRepeatability, priorRepeatability } from './estimate-repeatability';
import { scanTrend } from './trend';

const member = { heightCm: 180, age: 40, sex: 'male' as const };
const at = (weightKg: number) => priorBodyAtWeight({ weightKg, ...member });

describe('priorRepeatability', () => {
  it('moves only with weight: about Deurenberg’s 1.2 pp per BMI unit, per weight SEM', () => {
    const r = priorRepeatability(81, at);
    expect(r.weightKg).toBeCloseTo(WEIGHT_SEM_KG, 10);
    // Deurenberg alone: 1.2·0.3818/3.24 = 0.141 pp; CUN-BAE responds a little more steeply at BMI 25.
    expect(r.bodyFatPercent).toBeGreaterThan(0.12);
    expect(r.bodyFatPercent).toBeLessThan(0.2);
  });
});

describe('fusedRepeatability', () => {
  it('only the photo: the photo SEM; equal weights: half of each in quadrature', () => {
    const prior = priorRepeatability(81, at);
    const onlyPhoto = fusedRepeatability({ weightKg: 81, bodyFatPercent: 20, prior, priorConfidence: 0, visionConfidence: 0.7 });
    expect(onlyPhoto.bodyFatPercent).toBeCloseTo(PHOTO_BODY_FAT_SEM_PP, 10);
    const half = fusedRepeatability({ weightKg: 81, bodyFatPercent: 20, prior, priorConfidence: 0.6, visionConfidence: 0.6 });
    expect(half.bodyFatPercent).toBeCloseTo(Math.hypot(prior.bodyFatPercent, PHOTO_BODY_FAT_SEM_PP) / 2, 10);
  });
});

describe('the delta agent with equations-only scans', () => {
  const point = (scanId: string, takenAt: string, weightKg: number) => {
    const e = anthropometricPrior({ weightKg, ...member });
    return {
      scanId,
      takenAt,
      weightKg,
      bodyFatPercent: e.bodyFatPercent,
      leanMassKg: e.leanMassKg,
      method: 'anthropometric-prior' as const,
      repeatability: priorRepeatability(weightKg, at),
    };
  };
  it('a two-day pair 1 kg apart reads “within day-to-day variation”', () => {
    const t = scanTrend({ current: point('b', '2026-03-03T08:00:00Z', 80), history: [point('a', '2026-03-01T08:00:00Z', 81)] });
    expect(t.previous?.significance?.bodyFatPercent.beyondNoise).toBe(false);
    expect(t.previous?.significance?.weightKg.beyondNoise).toBe(false);
    expect(t.previous?.significance?.summary).toContain(`Body fat −0.4 points over 2 days: ${WITHIN_DAY_TO_DAY_VARIATION}`);
  });
  it('a scan without recorded variation is judged with the current scan’s', () => {
    const { repeatability: _, ...old } = point('a', '2026-03-01T08:00:00Z', 81);
    const t = scanTrend({ current: point('b', '2026-03-31T08:00:00Z', 66), history: [old] });
    expect(t.thirtyDay?.significance?.bodyFatPercent.beyondNoise).toBe(true);
  });
});

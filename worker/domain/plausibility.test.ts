import { describe, expect, it } from 'vitest';
import type { EstimateMethod } from '../../common/contracts/deltas';
import { anthropometricPrior } from './anthropometric-prior';
import { bmi } from './bmi';
import { deurenbergBodyFat } from './body-fat-deurenberg';
import {
  ACUTE_WEIGHT_SWING_KG,
  changeErrorPp,
  judgeChange,
  MAX_TISSUE_KG_PER_DAY,
  METHOD_SEE_PP,
  type Reading,
  weightExplainedPp,
  Z_95,
} from './plausibility';
import { type ScanPoint, scanTrend } from './trend';

const DAY_MS = 86_400_000;
const reading = (day: number, bodyFatPercent: number, weightKg: number, method: EstimateMethod = 'vision-fused'): Reading => ({
  scanId: `d${day}`,
  timeMs: Date.UTC(2026, 0, 1) + day * DAY_MS,
  bodyFatPercent,
  weightKg,
  method,
});

describe('method error', () => {
  it('photo SEE from the published limits of agreement (Majmudar 2022: −4.7…+6.4 pp)', () => {
    // SD of differences = (upper − lower) / (2 · 1.96) = 11.1 / 3.92 = 2.83 pp
    expect((6.4 - -4.7) / (2 * Z_95)).toBeCloseTo(METHOD_SEE_PP['vision-fused'], 1);
  });

  it('error of a change depends on the methods behind both estimates', () => {
    // equations on both sides: deterministic in the member's inputs, their SEE is a bias that cancels
    expect(changeErrorPp('anthropometric-prior', 'anthropometric-prior')).toBe(0);
    // same photo model: within one estimate's 95 % limits, 1.96 · 2.8 = 5.488
    expect(changeErrorPp('vision-fused', 'vision-fused')).toBeCloseTo(5.488, 10);
    // different methods: 1.96 · √(4² + 2.8²) = 1.96 · 4.8826 = 9.570
    expect(changeErrorPp('anthropometric-prior', 'vision-fused')).toBeCloseTo(9.57, 2);
    expect(changeErrorPp('vision-fused', 'anthropometric-prior')).toBeCloseTo(9.57, 2);
  });

  it('a weight change alone moves the equations by about 0.37 pp per kg at 180 cm (Deurenberg: 1.2 pp per BMI unit)', () => {
    // 1 kg at 1.80 m is 1 / 3.24 = 0.3086 BMI units → 1.2 · 0.3086 = 0.370 pp
    const at = (w: number) => deurenbergBodyFat({ bmi: bmi(w, 180), age: 35, sex: 'male' });
    expect(weightExplainedPp(reading(0, 20, 80), reading(1, 20.37, 81), at)).toBeCloseTo(0.37, 2);
    // dilution alone (same fat mass in a body 1 kg heavier): 20 · 1 / 81 = 0.247 pp
    expect(weightExplainedPp(reading(0, 20, 80), reading(1, 20, 81))).toBeCloseTo(0.247, 3);
  });
});

describe('judgeChange', () => {
  it('7 pp of body fat in a day at the same weight is beyond physiology plus photo-model error', () => {
    // band = 0.15 (1 day) + 0 (no weight change) + 5.488 (photo/photo) + 0.1 (rounding) = 5.738 < 7
    const j = judgeChange(reading(0, 20, 80), reading(1, 27, 80));
    expect(j.expectedBand).toMatchObject({ physiologyPp: 0.15, weightExplainedPp: 0, measurementErrorPp: 5.49, bodyFatPercent: 5.74 });
    expect(j.observed).toEqual({ bodyFatPercent: 7, weightKg: 0 });
    expect(j.reason).toBe('body_fat_change_beyond_band');
  });

  it('the same 7 pp between an equations-only and a photo estimate is within their combined error', () => {
    // band = 0.15 + 0 + 9.57 + 0.1 = 9.82 ≥ 7: switching methods can move the number that much
    const j = judgeChange(reading(0, 20, 80, 'anthropometric-prior'), reading(1, 27, 80, 'vision-fused'));
    expect(j.expectedBand.bodyFatPercent).toBeCloseTo(9.82, 2);
    expect(j.reason).toBe('within_expected_band');
  });

  it('a weight no body gains in a day (a likely typo) flags; ±2 kg over a day or two does not', () => {
    // weight band = 3 kg acute swing + 0.5 kg/day tissue
    expect(ACUTE_WEIGHT_SWING_KG + MAX_TISSUE_KG_PER_DAY * 1).toBe(3.5);
    const typo = judgeChange(reading(0, 20, 80), reading(1, 20, 88));
    expect(typo.expectedBand.weightKg).toBe(3.5);
    expect(typo.reason).toBe('weight_change_beyond_band');
    expect(judgeChange(reading(0, 20, 80), reading(1, 20.3, 82)).reason).toBe('within_expected_band');
    expect(judgeChange(reading(0, 20, 80), reading(2, 19.6, 78)).reason).toBe('within_expected_band');
  });
});

describe('day-to-day sequences (male, 35 y, 180 cm; equations only unless said)', () => {
  const member = { heightCm: 180, age: 35, sex: 'male' as const };
  const priorAt = (weightKg: number) => anthropometricPrior({ weightKg, ...member }).bodyFatPercent;
  const day = (i: number) => new Date(Date.UTC(2026, 0, 1, 7) + i * DAY_MS).toISOString();

  /** Runs the delta agent day by day, as the pipeline would, and returns each day's plausibility verdict. */
  function run(days: { weightKg: number; bodyFatPercent?: number; method?: EstimateMethod }[]) {
    const history: ScanPoint[] = [];
    return days.map((d, i) => {
      const current: ScanPoint = {
        scanId: `s${i}`,
        takenAt: day(i),
        weightKg: d.weightKg,
        bodyFatPercent: d.bodyFatPercent ?? priorAt(d.weightKg),
        method: d.method ?? 'anthropometric-prior',
      };
      const t = scanTrend({ current, history, bodyFatAtWeight: priorAt });
      history.push(current);
      return t;
    });
  }

  it.each([
    { name: 'the issue’s four days 80.0 → 81.0 → 80.2 → 79.5 kg', weights: [80, 81, 80.2, 79.5] },
    { name: 'a 2 kg swing and back', weights: [80, 82, 80, 81.5, 80] },
    { name: 'steady loss of 0.3 kg a day for a week', weights: [80, 79.7, 79.4, 79.1, 78.8, 78.5, 78.2, 77.9] },
  ])('$name → never flagged; every change is the equations following the weight', ({ weights }) => {
    const trends = run(weights.map((weightKg) => ({ weightKg })));
    expect(trends[0]?.plausibility?.reason).toBe('first_scan');
    for (const t of trends.slice(1)) {
      const p = t.plausibility!;
      expect(t.implausibleChange).toBe(false);
      expect(p.reason).toBe('within_expected_band');
      expect(p.reference).toBe('previous');
      expect(p.expectedBand.measurementErrorPp).toBe(0); // same equations on both sides
      expect(p.expectedBand.weightExplainedPp).toBeGreaterThanOrEqual(Math.abs(p.observed.bodyFatPercent) - 0.1 - 0.15);
      expect(Math.abs(p.observed.weightKg)).toBeLessThanOrEqual(p.expectedBand.weightKg);
    }
  });

  it('photo estimates wobbling by 3 pp day to day at a steady weight → never flagged', () => {
    const trends = run([20, 23, 20.5, 22, 19.5].map((bf, i) => ({ weightKg: 80 + (i % 2), bodyFatPercent: bf, method: 'vision-fused' })));
    expect(trends.map((t) => t.implausibleChange)).toEqual([false, false, false, false, false]);
    expect(trends[1]?.plausibility?.expectedBand.measurementErrorPp).toBeCloseTo(5.49, 2);
  });

  it('a 7 pp jump in a day at the same weight (photo model) → flagged, with the reasoning', () => {
    const trends = run([
      { weightKg: 80, bodyFatPercent: 20, method: 'vision-fused' },
      { weightKg: 80, bodyFatPercent: 20.2, method: 'vision-fused' },
      { weightKg: 80, bodyFatPercent: 27.2, method: 'vision-fused' },
    ]);
    const p = trends[2]?.plausibility;
    expect(trends[2]?.implausibleChange).toBe(true);
    expect(p).toMatchObject({ reason: 'body_fat_change_beyond_band', reference: 'previous', fromScanId: 's1', days: 1 });
    expect(p?.observed).toEqual({ bodyFatPercent: 7, weightKg: 0 });
    expect(p?.expectedBand.bodyFatPercent).toBeCloseTo(5.74, 2);
  });

  it('a typed weight of 88 instead of 80 → flagged on the weight', () => {
    const trends = run([{ weightKg: 80 }, { weightKg: 80.4 }, { weightKg: 88 }]);
    expect(trends[2]?.implausibleChange).toBe(true);
    expect(trends[2]?.plausibility?.reason).toBe('weight_change_beyond_band');
    expect(trends[2]?.plausibility?.observed.weightKg).toBeCloseTo(7.6, 10);
  });

  it('after one odd scan, a scan back on the trend is judged against the trend and not flagged', () => {
    const trends = run([
      { weightKg: 80, bodyFatPercent: 20, method: 'vision-fused' },
      { weightKg: 80, bodyFatPercent: 20.3, method: 'vision-fused' },
      { weightKg: 80, bodyFatPercent: 20.1, method: 'vision-fused' },
      { weightKg: 80, bodyFatPercent: 27, method: 'vision-fused' }, // odd (flagged, then say approved)
      { weightKg: 80, bodyFatPercent: 20.2, method: 'vision-fused' }, // −6.8 vs previous, but close to the trend
    ]);
    expect(trends[3]?.implausibleChange).toBe(true);
    expect(trends[4]?.implausibleChange).toBe(false);
    expect(trends[4]?.plausibility).toMatchObject({ reason: 'within_expected_band', reference: 'trend', fromScanId: null });
  });
});

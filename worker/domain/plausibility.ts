import { type EstimateMethod, type Plausibility, PlausibilitySchema } from '../../common/contracts/deltas';
import { round } from './validate';

// Is the change between two scans of the same member more than the body and the measuring method explain?
//
// expected band for body fat (pp) = physiology over the elapsed time
//                                 + the shift a weight change alone produces (water, food, glycogen)
//                                 + the measurement error of the change for the methods that produced both estimates
//                                 + rounding of the published estimates;
// expected band for weight (kg)   = acute water/food/glycogen swing + tissue change over the elapsed time.
// A change is implausible only when it lies outside the band against the previous scan AND against the
// smoothed trend (a single odd reference scan cannot make an ordinary scan look wrong).

/** Standard error of one body-fat estimate against a reference method, in percentage points. */
export const METHOD_SEE_PP: Record<EstimateMethod, number> = {
  // Deurenberg, Weststrate & Seidell, Br J Nutr 1991;65:105-114: SEE ≈ 4 pp vs densitometry (CUN-BAE, Diabetes Care 2012;35:383, is of the same order).
  'anthropometric-prior': 4,
  // Majmudar et al., npj Digit Med 2022;5:79 (smartphone-photo body fat vs DXA): limits of agreement −4.7…+6.4 pp → SD ≈ 2.8 pp.
  'vision-fused': 2.8,
};
/** Two-sided 95 % normal quantile: the width of Bland–Altman limits of agreement. */
export const Z_95 = 1.96;
// Physiological ceiling on fat change (Hall, Int J Obes 2008;32:573-576: max fat oxidation ≈ energy deficit / 9400 kcal·kg⁻¹); SPEC §4: about 0.15 pp body fat per day.
export const MAX_PLAUSIBLE_PP_PER_DAY = 0.15;
// Glycogen with its bound water (≈ 3 g per g; Kreitzman et al., Am J Clin Nutr 1992;56:292S) plus food and gut content swing body weight by 2–3 kg within a day or two.
export const ACUTE_WEIGHT_SWING_KG = 3;
// Tissue change: a whole day without food is a ≈ 3000–3500 kcal deficit; at ≈ 7700 kcal per kg of tissue lost (Hall 2008) that is < 0.5 kg a day.
export const MAX_TISSUE_KG_PER_DAY = 0.5;
/** Estimates are published to 0.1 pp; two rounded values can differ by up to 0.1 pp more than the unrounded ones. */
export const ROUNDING_PP = 0.1;

export type { EstimateMethod, Plausibility } from '../../common/contracts/deltas';
export { EstimateMethodSchema, PlausibilitySchema } from '../../common/contracts/deltas';
export type PlausibilityReason = Plausibility['reason'];

/** One side of a comparison: a scan, or the smoothed trend standing in for one. */
export interface Reading {
  scanId: string | null;
  timeMs: number;
  bodyFatPercent: number;
  weightKg: number;
  method: EstimateMethod;
}

/**
 * Error (pp, 95 %) of the difference between two estimates of the same member.
 * Both from the equations: the equations are exact functions of weight, height, age and sex, so their SEE is a
 *   person-level bias that cancels in the difference; what remains is their response to weight, counted separately.
 * Both from the photo model: the person-level part of its error repeats too (test–retest R² 0.99, Farina et al.,
 *   Sensors 2022;22:8365), so the change stays within one estimate's 95 % limits of agreement.
 * Different methods: independent errors, √(SEE₁² + SEE₂²) at 95 %.
 */
export function changeErrorPp(a: EstimateMethod, b: EstimateMethod): number {
  if (a === 'anthropometric-prior' && b === 'anthropometric-prior') return 0;
  if (a === b) return Z_95 * METHOD_SEE_PP[a];
  return Z_95 * Math.hypot(METHOD_SEE_PP[a], METHOD_SEE_PP[b]);
}

/**
 * Body-fat shift a weight change alone produces, without any fat gained or lost: the larger of the equations'
 * response (they follow BMI) and dilution (the same fat mass in a heavier or lighter body: BF·Δw / w).
 */
export function weightExplainedPp(ref: Reading, cur: Reading, bodyFatAtWeight?: (weightKg: number) => number): number {
  const dw = cur.weightKg - ref.weightKg;
  const dilution = Math.abs((ref.bodyFatPercent * dw) / cur.weightKg);
  const equations = bodyFatAtWeight ? Math.abs(bodyFatAtWeight(cur.weightKg) - bodyFatAtWeight(ref.weightKg)) : 0;
  return Math.max(dilution, equations);
}

const DAY_MS = 86_400_000;

/** The band and verdict for the change from `ref` to `cur`. */
export function judgeChange(ref: Reading, cur: Reading, bodyFatAtWeight?: (weightKg: number) => number): Omit<Plausibility, 'reference'> {
  const days = Math.max(0, (cur.timeMs - ref.timeMs) / DAY_MS);
  const physiologyPp = MAX_PLAUSIBLE_PP_PER_DAY * days;
  const weightPp = weightExplainedPp(ref, cur, bodyFatAtWeight);
  const measurementErrorPp = changeErrorPp(ref.method, cur.method);
  const bodyFatBand = physiologyPp + weightPp + measurementErrorPp + ROUNDING_PP;
  const weightBand = ACUTE_WEIGHT_SWING_KG + MAX_TISSUE_KG_PER_DAY * days;
  const dBf = cur.bodyFatPercent - ref.bodyFatPercent;
  const dW = cur.weightKg - ref.weightKg;
  // Weight first: a weight no body reaches in that time (a likely typo) also drags the estimate with it.
  const reason: PlausibilityReason =
    Math.abs(dW) > weightBand
      ? 'weight_change_beyond_band'
      : Math.abs(dBf) > bodyFatBand
        ? 'body_fat_change_beyond_band'
        : 'within_expected_band';
  return {
    fromScanId: ref.scanId,
    days: round(days, 2),
    expectedBand: {
      bodyFatPercent: round(bodyFatBand, 2),
      weightKg: round(weightBand, 2),
      physiologyPp: round(physiologyPp, 2),
      weightExplainedPp: round(weightPp, 2),
      measurementErrorPp: round(measurementErrorPp, 2),
      methods: [ref.method, cur.method],
    },
    observed: { bodyFatPercent: round(dBf, 2), weightKg: round(dW, 2) },
    reason,
  };
}

export const FIRST_SCAN_PLAUSIBILITY: Plausibility = {
  reference: null,
  fromScanId: null,
  days: null,
  expectedBand: { bodyFatPercent: 0, weightKg: 0, physiologyPp: 0, weightExplainedPp: 0, measurementErrorPp: 0, methods: null },
  observed: { bodyFatPercent: 0, weightKg: 0 },
  reason: 'first_scan',
};

/**
 * Plausibility of `cur` against the previous scan and, when there is one, the smoothed trend. Implausible only
 * when both say so; the reported judgement is the one against the trend when it explains the change, else the
 * previous scan's.
 */
export function judgePlausibility(
  cur: Reading,
  previous: Reading | null,
  trend: Reading | null,
  bodyFatAtWeight?: (weightKg: number) => number,
): Plausibility {
  if (!previous) return FIRST_SCAN_PLAUSIBILITY;
  const vsPrevious = { reference: 'previous' as const, ...judgeChange(previous, cur, bodyFatAtWeight) };
  if (vsPrevious.reason === 'within_expected_band' || !trend) return PlausibilitySchema.parse(vsPrevious);
  const vsTrend = { reference: 'trend' as const, ...judgeChange(trend, cur, bodyFatAtWeight) };
  return PlausibilitySchema.parse(vsTrend.reason === 'within_expected_band' ? vsTrend : vsPrevious);
}

export const isImplausible = (p: Plausibility): boolean =>
  p.reason === 'body_fat_change_beyond_band' || p.reason === 'weight_change_beyond_band';

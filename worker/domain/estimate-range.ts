import { Z_95 } from '../../common/body-composition/repeatability';
import { type EstimateRanges, EstimateRangesSchema } from '../../common/contracts/measurement-uncertainty';
import { round } from './validate';

// The 95 % range of one body-composition estimate: ± 1.96 standard errors of estimate (SEE) of the method
// against its reference (DXA, densitometry or plethysmography). Weight is measured, so fat and lean mass
// inherit the body-fat range: fat = weight·bf, lean = weight − fat.

// Deurenberg, Weststrate & Seidell, Br J Nutr 1991;65:105-114: SEE 4.1 % body fat against densitometry (adults).
export const DEURENBERG_SEE_PP = 4.1;
// Gómez-Ambrosi et al., Diabetes Care 2012;35:383-388: CUN-BAE, SE of the estimate 4.66 % against plethysmography (n = 6,510).
export const CUN_BAE_SEE_PP = 4.66;
// Majmudar et al., npj Digit Med 2022;5:79 (smartphone-photo body fat vs DXA, n = 134): limits of agreement −4.7…+6.4 pp → SD (6.4 + 4.7)/(2·1.96) ≈ 2.83 pp.
export const PHOTO_LIMITS_OF_AGREEMENT_PP = { low: -4.7, high: 6.4 } as const;
export const PHOTO_SEE_PP = (PHOTO_LIMITS_OF_AGREEMENT_PP.high - PHOTO_LIMITS_OF_AGREEMENT_PP.low) / (2 * Z_95);
/**
 * The prior is the mean of the two equations. Both follow BMI, so their errors are strongly correlated;
 * the SD of a mean is at most the mean of the SDs, whatever the correlation, so that bound is used.
 */
export const PRIOR_SEE_PP = (DEURENBERG_SEE_PP + CUN_BAE_SEE_PP) / 2;

export const PRIOR_RANGE_SOURCE =
  'BMI equations: Deurenberg et al., Br J Nutr 1991 (SEE 4.1 %) and CUN-BAE, Gómez-Ambrosi et al., Diabetes Care 2012 (SEE 4.66 %)';
export const FUSED_RANGE_SOURCE = `${PRIOR_RANGE_SOURCE}, combined with a photo estimate: Majmudar et al., npj Digit Med 2022 (limits of agreement −4.7 to +6.4 points vs DXA)`;

/**
 * SEE of the fused estimate w·prior + (1 − w)·photo (w = the prior's share of the confidence weights, as
 * estimate-fusion.ts combines them), with independent errors: √((w·SEEₚ)² + ((1 − w)·SEEᵥ)²). With
 * inverse-variance weights this is the familiar 1/√(1/SEEₚ² + 1/SEEᵥ²); with other weights it is larger.
 */
export function fusedSeePp(priorConfidence: number, visionConfidence: number): number {
  const total = priorConfidence + visionConfidence;
  const w = total > 0 ? priorConfidence / total : 1;
  return Math.hypot(w * PRIOR_SEE_PP, (1 - w) * PHOTO_SEE_PP);
}

/** 95 % ranges for body fat, fat mass and lean mass, from the body-fat SEE of the method. */
export function estimateRanges(input: { bodyFatPercent: number; weightKg: number; seePp: number; source: string }): EstimateRanges {
  const { bodyFatPercent, weightKg, seePp, source } = input;
  const half = Z_95 * seePp;
  const low = Math.max(0, bodyFatPercent - half);
  const high = Math.min(100, bodyFatPercent + half);
  const fat = (bf: number) => (weightKg * bf) / 100;
  return EstimateRangesSchema.parse({
    level: 0.95,
    standardErrorPp: round(seePp, 2),
    bodyFatPercent: { low: round(low, 1), high: round(high, 1) },
    fatMassKg: { low: round(fat(low), 1), high: round(fat(high), 1) },
    leanMassKg: { low: round(weightKg - fat(high), 1), high: round(weightKg - fat(low), 1) },
    source,
  });
}

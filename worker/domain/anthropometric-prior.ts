import { type AnthropometricEstimate, AnthropometricEstimateSchema } from '../../common/contracts/scan-results';
import { bmi as computeBmi } from './bmi';
import { cunBaeBodyFat } from './body-fat-cun-bae';
import { deurenbergBodyFat } from './body-fat-deurenberg';
import { requireAdultAge, requirePositive, requireSex, round, type Sex } from './validate';

/**
 * Plausible body-fat range the prior is clamped to. Lower bounds sit at ACE "essential fat"
 * (men 2–5 %, women 10–13 %) with a little margin; upper bounds are far beyond anything the
 * equations were validated on, so clamping only guards against extrapolation blow-ups.
 */
export const PLAUSIBLE_BODY_FAT: Record<Sex, { min: number; max: number }> = {
  male: { min: 3, max: 60 },
  female: { min: 8, max: 65 },
};

/** Confidence of an equations-only estimate (no vision); see `priorConfidence`. */
export const PRIOR_BASE_CONFIDENCE = 0.6;
export const PRIOR_MIN_CONFIDENCE = 0.1;
/** BMI range where both equations are well supported; outside it the prior is less trustworthy. */
export const PRIOR_BMI_RANGE = { min: 18.5, max: 35 } as const;
/** CUN-BAE was derived in adults 18–80 y (Deurenberg 1991: 7–83 y); older members get a penalty. */
export const PRIOR_MAX_VALIDATED_AGE = 80;

export interface AnthropometricInput {
  weightKg: number;
  heightCm: number;
  age: number;
  sex: Sex;
}

/**
 * Confidence rule (equations only, no vision):
 *   start at 0.6;
 *   − 0.05 per percentage point the two equations disagree beyond 2 pp;
 *   − 0.1 when BMI is outside 18.5–35;
 *   − 0.1 when age is above 80 (outside the CUN-BAE derivation sample);
 *   never below 0.1.
 */
export function priorConfidence(disagreementPp: number, bmi: number, age: number): number {
  let c = PRIOR_BASE_CONFIDENCE;
  c -= 0.05 * Math.max(0, Math.abs(disagreementPp) - 2);
  if (bmi < PRIOR_BMI_RANGE.min || bmi > PRIOR_BMI_RANGE.max) c -= 0.1;
  if (age > PRIOR_MAX_VALIDATED_AGE) c -= 0.1;
  return Math.max(PRIOR_MIN_CONFIDENCE, c);
}

function priorParts({ weightKg, heightCm, age, sex }: AnthropometricInput) {
  requirePositive(weightKg, 'invalid_weight', 'weightKg');
  requirePositive(heightCm, 'invalid_height', 'heightCm');
  requireAdultAge(age);
  const s = requireSex(sex);
  const b = computeBmi(weightKg, heightCm);
  const deurenberg = deurenbergBodyFat({ bmi: b, age, sex: s });
  const cunBae = cunBaeBodyFat({ bmi: b, age, sex: s });
  const range = PLAUSIBLE_BODY_FAT[s];
  return { b, deurenberg, cunBae, bf: Math.min(range.max, Math.max(range.min, (deurenberg + cunBae) / 2)) };
}

/** The prior's body fat and lean mass before rounding (how it responds to a small weight change). */
export function priorBodyAtWeight(input: AnthropometricInput): { bodyFatPercent: number; leanMassKg: number } {
  const { bf } = priorParts(input);
  return { bodyFatPercent: bf, leanMassKg: input.weightKg * (1 - bf / 100) };
}

// Anthropometric prior: mean of Deurenberg 1991 (Br J Nutr 65:105) and CUN-BAE (Diabetes Care 2012;35:383), clamped.
export function anthropometricPrior(input: AnthropometricInput): AnthropometricEstimate {
  const { weightKg, age } = input;
  const { b, deurenberg, cunBae, bf } = priorParts(input);
  const fatMassKg = (weightKg * bf) / 100;
  return AnthropometricEstimateSchema.parse({
    bodyFatPercent: round(bf, 1),
    fatMassKg: round(fatMassKg, 1),
    leanMassKg: round(weightKg - fatMassKg, 1),
    bmi: round(b, 1),
    confidence: round(priorConfidence(deurenberg - cunBae, b, age), 2),
    method: 'anthropometric-prior',
    equations: { deurenberg: round(deurenberg, 1), cunBae: round(cunBae, 1) },
  });
}

import { PHOTO_BODY_FAT_SEM_PP, WEIGHT_SEM_KG } from '../../common/body-composition/repeatability';
import { type Repeatability, RepeatabilitySchema } from '../../common/contracts/measurement-uncertainty';

// Day-to-day variation (SEM) of one scan's figures, which decides whether a later change is beyond noise.
//
// Equations only: the prior is an exact function of weight, height, age and sex, so a repeat scan moves only
//   with the member's weight; its SEM is the equations' response to one weight SEM (taken numerically).
// Fused with a photo estimate: the prior's share moves with weight as above, the photo's share with the photo
//   method's own test–retest SEM; independent, so √((w·SEMₚ)² + ((1 − w)·SEMᵥ)²). Lean mass = weight·(1 − bf):
//   √(((1 − bf)·SEM_w)² + (weight·SEM_bf)²).

export interface BodyAtWeight {
  bodyFatPercent: number;
  leanMassKg: number;
}

export function priorRepeatability(weightKg: number, atWeight: (weightKg: number) => BodyAtWeight): Repeatability {
  const here = atWeight(weightKg);
  const there = atWeight(weightKg + WEIGHT_SEM_KG);
  return RepeatabilitySchema.parse({
    bodyFatPercent: Math.abs(there.bodyFatPercent - here.bodyFatPercent),
    weightKg: WEIGHT_SEM_KG,
    leanMassKg: Math.abs(there.leanMassKg - here.leanMassKg),
  });
}

export function fusedRepeatability(input: {
  weightKg: number;
  bodyFatPercent: number;
  prior: Repeatability;
  priorConfidence: number;
  visionConfidence: number;
}): Repeatability {
  const { weightKg, bodyFatPercent, prior, priorConfidence, visionConfidence } = input;
  const total = priorConfidence + visionConfidence;
  const w = total > 0 ? priorConfidence / total : 1;
  const bodyFat = Math.hypot(w * prior.bodyFatPercent, (1 - w) * PHOTO_BODY_FAT_SEM_PP);
  const lean = Math.hypot((1 - bodyFatPercent / 100) * WEIGHT_SEM_KG, (weightKg * bodyFat) / 100);
  return RepeatabilitySchema.parse({ bodyFatPercent: bodyFat, weightKg: WEIGHT_SEM_KG, leanMassKg: lean });
}

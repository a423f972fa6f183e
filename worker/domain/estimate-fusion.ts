import { z } from 'zod';
import { PLAUSIBLE_BODY_FAT } from './anthropometric-prior';
import { requireSex, round, type Sex } from './validate';

// Fusing a vision estimate with the anthropometric prior (SPEC §4 estimation, model configured).
//
//   both body-fat values are clamped to the plausible range for the sex;
//   fused % = confidence-weighted mean: (c_prior·bf_prior + c_vision·bf_vision) / (c_prior + c_vision);
//   fused confidence = confidence-weighted mean of the two confidences (c_p² + c_v²)/(c_p + c_v),
//     − 0.05 per percentage point the two disagree beyond 4 pp, within 0.1–0.95;
//   a disagreement of 8 pp or more (about twice the ~3.5–4 pp standard error of the BMI equations)
//     flags the scan for review: one of the two is badly off and a person should look.

export const FUSION_AGREEMENT_PP = 4;
export const FUSION_REVIEW_DISAGREEMENT_PP = 8;
export const FUSION_PENALTY_PER_PP = 0.05;
export const FUSED_CONFIDENCE = { min: 0.1, max: 0.95 } as const;
export const DISAGREEMENT_REASON = 'model_prior_disagreement';

export const FusionInputSchema = z.object({
  sex: z.enum(['male', 'female']),
  weightKg: z.number().positive(),
  prior: z.object({ bodyFatPercent: z.number(), confidence: z.number().min(0).max(1) }),
  vision: z.object({ bodyFatPercent: z.number(), confidence: z.number().min(0).max(1) }),
});
export type FusionInput = z.infer<typeof FusionInputSchema>;

export interface FusedEstimate {
  bodyFatPercent: number;
  fatMassKg: number;
  leanMassKg: number;
  confidence: number;
  disagreementPp: number;
  /** Vision estimate after clamping to the plausible range. */
  visionClamped: number;
  reviewReasons: string[];
}

export function fuseEstimates(input: FusionInput): FusedEstimate {
  const { weightKg, prior, vision } = FusionInputSchema.parse(input);
  const sex: Sex = requireSex(input.sex);
  const range = PLAUSIBLE_BODY_FAT[sex];
  const clamp = (v: number) => Math.min(range.max, Math.max(range.min, v));
  const bp = clamp(prior.bodyFatPercent);
  const bv = clamp(vision.bodyFatPercent);
  const wp = prior.confidence;
  const wv = vision.confidence;
  const total = wp + wv;
  const bf = total > 0 ? (wp * bp + wv * bv) / total : bp;
  const disagreement = Math.abs(bv - bp);
  const meanConfidence = total > 0 ? (wp * wp + wv * wv) / total : 0;
  const confidence = Math.min(
    FUSED_CONFIDENCE.max,
    Math.max(FUSED_CONFIDENCE.min, meanConfidence - FUSION_PENALTY_PER_PP * Math.max(0, disagreement - FUSION_AGREEMENT_PP)),
  );
  const fused = clamp(bf);
  const fatMassKg = (weightKg * fused) / 100;
  return {
    bodyFatPercent: round(fused, 1),
    fatMassKg: round(fatMassKg, 1),
    leanMassKg: round(weightKg - fatMassKg, 1),
    confidence: round(confidence, 2),
    disagreementPp: round(disagreement, 1),
    visionClamped: round(bv, 1),
    reviewReasons: disagreement >= FUSION_REVIEW_DISAGREEMENT_PP ? [DISAGREEMENT_REASON] : [],
  };
}

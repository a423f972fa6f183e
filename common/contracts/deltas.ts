import { z } from 'zod';
import { ChangeSignificanceSchema, EstimateRangesSchema } from './measurement-uncertainty';

// What the delta agent returns (scans/{scanId}.results.deltas): shared by the worker that computes it and the
// functions app that shows it to reviewers. Pure zod. The formulas are in worker/domain/trend.ts and plausibility.ts.

/** How the body-fat estimate was produced (EstimateSchema.method in worker/activities/estimation.ts). */
export const EstimateMethodSchema = z.enum(['anthropometric-prior', 'vision-fused']);
export type EstimateMethod = z.infer<typeof EstimateMethodSchema>;

export const PlausibilitySchema = z.object({
  /** Which reference decided: the previous scan, or the smoothed trend when it explained the change. */
  reference: z.enum(['previous', 'trend']).nullable(),
  fromScanId: z.string().nullable(),
  days: z.number().nonnegative().nullable(),
  /** Largest change (±) the body and the method explain, with its parts. */
  expectedBand: z.object({
    bodyFatPercent: z.number().nonnegative(),
    weightKg: z.number().nonnegative(),
    physiologyPp: z.number().nonnegative(),
    weightExplainedPp: z.number().nonnegative(),
    measurementErrorPp: z.number().nonnegative(),
    methods: z.tuple([EstimateMethodSchema, EstimateMethodSchema]).nullable(),
  }),
  observed: z.object({ bodyFatPercent: z.number(), weightKg: z.number() }),
  reason: z.enum(['first_scan', 'within_expected_band', 'body_fat_change_beyond_band', 'weight_change_beyond_band']),
});
export type Plausibility = z.infer<typeof PlausibilitySchema>;

export const ChangeSchema = z.object({
  fromScanId: z.string(),
  days: z.number().nonnegative(),
  bodyFatPercent: z.number(),
  weightKg: z.number(),
  /** Whether the change exceeds day-to-day variation, and the member-facing sentence (absent on older results). */
  significance: ChangeSignificanceSchema.optional(),
});
export type Change = z.infer<typeof ChangeSchema>;

export const TrendSchema = z.object({
  previous: ChangeSchema.nullable(),
  sevenDay: ChangeSchema.nullable(),
  thirtyDay: ChangeSchema.nullable(),
  smoothedBodyFatPercent: z.number(),
  trendPerWeek: z.number().nullable(),
  direction: z.enum(['losing', 'stable', 'gaining']).nullable(),
  implausibleChange: z.boolean(),
  ratePerDay: z.number().nullable(),
  /** Why the change is or is not plausible (optional: results written before it existed still parse). */
  plausibility: PlausibilitySchema.optional(),
  scansConsidered: z.number().int().positive(),
});
export type Trend = z.infer<typeof TrendSchema>;

/** With a model: both inputs of the fusion and how far apart they were. */
export const EstimateFusionSchema = z.object({
  prior: z.object({ bodyFatPercent: z.number(), confidence: z.number() }),
  vision: z.object({ bodyFatPercent: z.number(), confidence: z.number() }),
  disagreementPp: z.number(),
});

/** The estimate as a reviewer sees it: the numbers, how they were produced and how sure the method is. */
export const EstimateSummarySchema = z.object({
  bodyFatPercent: z.number(),
  fatMassKg: z.number(),
  leanMassKg: z.number(),
  weightKg: z.number(),
  confidence: z.number().min(0).max(1),
  method: EstimateMethodSchema,
  fusion: EstimateFusionSchema.optional(),
  ranges: EstimateRangesSchema.optional(),
});
export type EstimateSummary = z.infer<typeof EstimateSummarySchema>;

import { z } from 'zod';

// How sure a body-composition figure is: its 95 % range (accuracy of one estimate against a reference
// method) and its day-to-day variation (how much a repeat scan moves with no real change), which decides
// whether a change between two scans is more than noise. Shapes only; the figures and their sources are in
// common/body-composition/ and worker/domain/estimate-range.ts.

export const TrackedMetricSchema = z.enum(['bodyFatPercent', 'weightKg', 'leanMassKg']);
export type TrackedMetric = z.infer<typeof TrackedMetricSchema>;

export const IntervalSchema = z.object({ low: z.number(), high: z.number() });
export type Interval = z.infer<typeof IntervalSchema>;

/** 95 % ranges of one estimate, from the standard error of estimate of the method that produced it. */
export const EstimateRangesSchema = z.object({
  level: z.literal(0.95),
  /** Standard error of the body-fat estimate (pp) the ranges are built from. */
  standardErrorPp: z.number().nonnegative(),
  bodyFatPercent: IntervalSchema,
  fatMassKg: IntervalSchema,
  leanMassKg: IntervalSchema,
  /** Where the error figure comes from, in words a member can look up. */
  source: z.string(),
});
export type EstimateRanges = z.infer<typeof EstimateRangesSchema>;

/** Standard error of measurement (test–retest, one scan) per metric, in the metric's unit. */
export const RepeatabilitySchema = z.object({
  bodyFatPercent: z.number().nonnegative(),
  weightKg: z.number().nonnegative(),
  leanMassKg: z.number().nonnegative(),
});
export type Repeatability = z.infer<typeof RepeatabilitySchema>;

export const MetricChangeSchema = z.object({
  change: z.number(),
  /** MDC95: the smallest change a repeat scan would not produce by chance 95 times in 100. */
  minimalDetectableChange: z.number().nonnegative(),
  beyondNoise: z.boolean(),
});
export type MetricChange = z.infer<typeof MetricChangeSchema>;

/** Whether a change between two scans is more than day-to-day variation, and the sentence a member reads. */
export const ChangeSignificanceSchema = z.object({
  bodyFatPercent: MetricChangeSchema,
  weightKg: MetricChangeSchema,
  leanMassKg: MetricChangeSchema.optional(),
  summary: z.string(),
});
export type ChangeSignificance = z.infer<typeof ChangeSignificanceSchema>;

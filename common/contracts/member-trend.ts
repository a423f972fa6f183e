import { z } from 'zod';
import { EstimateMethodSchema } from './deltas';
import { IntervalSchema, MetricChangeSchema, TrackedMetricSchema } from './measurement-uncertainty';

// GET /api/me/trend: the member's completed scans in a bounded window, smoothed, with a band and the change
// over the window against its minimal detectable change. Cursorless: a window holds at most 365 days.

export const TREND_DAYS = { min: 7, max: 365, default: 30 } as const;

export const MemberTrendQuerySchema = z.object({
  metric: TrackedMetricSchema.meta({ description: 'which figure: bodyFatPercent, weightKg or leanMassKg' }),
  days: z
    .string()
    .regex(/^\d{1,3}$/, 'expected an integer 7..365')
    .refine((v) => Number(v) >= TREND_DAYS.min && Number(v) <= TREND_DAYS.max, 'expected an integer 7..365')
    .optional()
    .meta({ description: 'window length in days, 7..365 (default 30)' }),
});

export const TrendPointSchema = z.object({
  scanId: z.string(),
  takenAt: z.string(),
  value: z.number(),
  /** Exponentially smoothed value at this scan (half-life 7 days). */
  smoothed: z.number(),
  /** smoothed ± 1.96 × this scan's day-to-day variation: where a repeat scan would land 95 times in 100. */
  band: IntervalSchema,
  method: EstimateMethodSchema.nullable(),
});
export type TrendPoint = z.infer<typeof TrendPointSchema>;

export const MemberTrendResponseSchema = z.object({
  metric: TrackedMetricSchema,
  unit: z.enum(['%', 'kg']),
  days: z.number().int(),
  from: z.string(),
  to: z.string(),
  points: z.array(TrendPointSchema),
  /** Last scan against the first scan of the window; null with fewer than two scans. */
  change: MetricChangeSchema.extend({ days: z.number(), summary: z.string() }).nullable(),
});
export type MemberTrendResponse = z.infer<typeof MemberTrendResponseSchema>;

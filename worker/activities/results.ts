import { z } from 'zod';
import { TrendSchema } from '../domain/trend';
import { ModelUsageSummarySchema } from '../model/provenance';
import { HydrationResultSchema, InsightsResultSchema, NutritionResultSchema, WorkoutResultSchema } from './advice';
import { EstimateSchema } from './estimation';
import { QualityResultSchema } from './quality';

export const ReviewOutcomeSchema = z.union([
  z.object({ required: z.literal(false) }),
  z.object({
    required: z.literal(true),
    reasons: z.array(z.string()),
    outcome: z.enum(['approved', 'rejected', 'timed_out']),
    appliedDecision: z.enum(['approve', 'reject']),
    reviewerId: z.string().optional(),
    notes: z.string().optional(),
  }),
]);

/** What `scans/{scanId}.results` holds once a scan completes: one entry per agent, plus the review. */
export const ScanResultsSchema = z.object({
  quality: QualityResultSchema,
  estimate: EstimateSchema,
  deltas: TrendSchema,
  insights: InsightsResultSchema,
  nutrition: NutritionResultSchema,
  workout: WorkoutResultSchema,
  hydration: HydrationResultSchema,
  review: ReviewOutcomeSchema,
  /** Model tokens per agent and in total for this scan (set by persistResults; absent without a model). */
  modelUsage: ModelUsageSummarySchema.optional(),
});
export type ScanResults = z.infer<typeof ScanResultsSchema>;

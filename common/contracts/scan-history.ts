import { z } from 'zod';
import { EstimateMethodSchema } from './deltas';
import { RepeatabilitySchema } from './measurement-uncertainty';

// users/{uid}/scanHistory/{scanId}: the compact numbers of each completed scan. persistResults writes them,
// the delta agent reads them for the next scan's changes, GET /api/me/trend reads them for the app's chart.

export const ScanPointSchema = z.object({
  scanId: z.string().min(1),
  takenAt: z.iso.datetime({ offset: true }),
  bodyFatPercent: z.number().min(0).max(100),
  weightKg: z.number().positive(),
  leanMassKg: z.number().positive().optional(),
  /** How the estimate was produced; entries written before it was recorded are taken to match the current scan. */
  method: EstimateMethodSchema.optional(),
  /** Day-to-day variation of this scan's figures (absent on entries written before it was recorded). */
  repeatability: RepeatabilitySchema.optional(),
});
export type ScanPoint = z.infer<typeof ScanPointSchema>;

import { heartbeat } from '@temporalio/activity';
import { z } from 'zod';
import { ageAtCapture, ScanMeasurementsSchema } from '../../common/contracts/scan';
import { anthropometricPrior, AnthropometricEstimateSchema } from '../domain/anthropometric-prior';
import type { ActivityDeps } from './deps';
import { QualityResultSchema } from './quality';
import { parseOrFail } from './validate';

export const EstimateSchema = AnthropometricEstimateSchema.extend({ weightKg: z.number() });
export type Estimate = z.infer<typeof EstimateSchema>;

const EstimationInputSchema = z.object({ scanId: z.string(), measurements: ScanMeasurementsSchema, quality: QualityResultSchema });

export function createEstimationActivities(_deps: ActivityDeps) {
  return {
    /**
     * Body-fat %, fat and lean mass from the anthropometric prior (Deurenberg 1991, CUN-BAE 2012).
     * Without a vision model configured this is the whole estimate, and `method` says so.
     */
    async estimateBodyComposition(input: z.input<typeof EstimationInputSchema>): Promise<Estimate> {
      const { measurements: m } = parseOrFail(EstimationInputSchema, input, 'estimation input');
      heartbeat();
      const prior = anthropometricPrior({ weightKg: m.weightKg, heightCm: m.heightCm, age: ageAtCapture(m), sex: m.sex });
      return EstimateSchema.parse({ ...prior, weightKg: m.weightKg });
    },
  };
}

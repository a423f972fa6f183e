import { ApplicationFailure, Context } from '@temporalio/activity';
import { z } from 'zod';
import { EstimateSummarySchema, type Trend, TrendSchema } from '../../common/contracts/deltas';
import { FailureType } from '../../common/contracts/failures';
import { ageAtCapture, ScanMeasurementsSchema } from '../../common/contracts/scan';
import { EstimateSchema, type ScanAnalysis } from '../../common/contracts/scan-results';
import { scanHistoryCollection } from '../../common/scans/refs';
import { scanRef } from '../../common/scans/repository';
import { anthropometricPrior } from '../domain/anthropometric-prior';
import { scanTrend } from '../domain/trend';
import { agentProvenance } from '../model/provenance';
import type { ActivityDeps } from './deps';
import { parseOrFail } from './validate';

const DeltaInputSchema = z.object({
  userId: z.string(),
  scanId: z.string(),
  capturedAt: z.string(),
  measurements: ScanMeasurementsSchema,
  estimate: EstimateSchema,
});
const HISTORY_DAYS = 120;
const NOT_FOUND = 5; // gRPC status of an update to a missing document

export function createDeltaActivities({ db, now, buildId }: ActivityDeps) {
  return {
    /** Change versus the previous scan, 7 and 30 days back, smoothed trend and a plausibility judgement; kept on the scan for reviewers. */
    async computeDeltas(input: z.input<typeof DeltaInputSchema>): Promise<Trend> {
      const { userId, scanId, capturedAt, measurements: m, estimate } = parseOrFail(DeltaInputSchema, input, 'delta input');
      const since = new Date(new Date(capturedAt).getTime() - HISTORY_DAYS * 86_400_000).toISOString();
      const snap = await scanHistoryCollection(db, userId).where('takenAt', '>=', since).orderBy('takenAt', 'desc').limit(200).get();
      const history = snap.docs.map((d) => d.data());
      const current = {
        scanId,
        takenAt: capturedAt,
        bodyFatPercent: estimate.bodyFatPercent,
        weightKg: estimate.weightKg,
        leanMassKg: estimate.leanMassKg,
        method: estimate.method,
        ...(estimate.repeatability ? { repeatability: estimate.repeatability } : {}),
      };
      // The equations' estimate for this member at another weight: what a weight change alone does to the number.
      const age = ageAtCapture(m);
      const bodyFatAtWeight = (weightKg: number) => anthropometricPrior({ weightKg, heightCm: m.heightCm, age, sex: m.sex }).bodyFatPercent;
      const deltas = TrendSchema.parse(scanTrend({ current, history, bodyFatAtWeight }));
      // The reviewer queue reads these before results exist (results are written after the review gate).
      // With what is known of its provenance now: this build, the run's type and the estimate agent's deployment.
      const { workflowType } = Context.current().info;
      const analysis: ScanAnalysis = {
        estimate: EstimateSummarySchema.parse(estimate),
        deltas,
        at: now().toISOString(),
        ...(workflowType ? { provenance: { workflowType, buildId, agents: agentProvenance({ estimate }) } } : {}),
      };
      await scanRef(db, scanId)
        .update({ analysis })
        .catch((err: unknown) => {
          if ((err as { code?: unknown }).code !== NOT_FOUND) throw err;
          throw ApplicationFailure.create({ type: FailureType.ScanNotFound, message: `scan ${scanId} not found`, nonRetryable: true });
        });
      return deltas;
    },
  };
}

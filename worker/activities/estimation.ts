import { ApplicationFailure } from '@temporalio/activity';
import { z } from 'zod';
import { FailureType } from '../../common/contracts/failures';
import { ageAtCapture, ScanMeasurementsSchema } from '../../common/contracts/scan';
import { type Estimate, EstimateSchema, QualityResultSchema } from '../../common/contracts/scan-results';
import { anthropometricPrior, priorBodyAtWeight } from '../domain/anthropometric-prior';
import { fuseEstimates } from '../domain/estimate-fusion';
import { estimateRanges, FUSED_RANGE_SOURCE, fusedSeePp, PRIOR_RANGE_SOURCE, PRIOR_SEE_PP } from '../domain/estimate-range';
import { fusedRepeatability, priorRepeatability } from '../domain/estimate-repeatability';
import { withScanPhotos } from '../domain/photo-decoder';
import { estimateFromPhotos } from '../model/estimation-vision';
import { preparedPhotos } from '../model/photos';
import { ModelOutputError } from '../model/structured';
import type { ActivityDeps } from './deps';
import { recordScanStep } from './scan-progress';
import { photosChangedFailure, readSealedScanPhotos } from './sealed-photos';
import { parseOrFail } from './validate';

const EstimationInputSchema = z.object({
  scanId: z.string(),
  /** Present from the workflow version that records progress and audits in its activities. */
  userId: z.string().optional(),
  measurements: ScanMeasurementsSchema,
  quality: QualityResultSchema,
});

function estimationStep(deps: ActivityDeps) {
  const { model } = deps;
  return {
    /**
     * Body-fat %, fat and lean mass from the anthropometric prior (Deurenberg 1991, CUN-BAE 2012); with a
     * vision model configured, its estimate is fused with the prior by confidence. `method` says which.
     */
    async estimateBodyComposition(input: z.input<typeof EstimationInputSchema>): Promise<Estimate> {
      const { scanId, measurements: m, quality } = parseOrFail(EstimationInputSchema, input, 'estimation input');
      const age = ageAtCapture(m);
      const body = { heightCm: m.heightCm, age, sex: m.sex };
      const prior = anthropometricPrior({ weightKg: m.weightKg, ...body });
      const priorSem = priorRepeatability(m.weightKg, (weightKg) => priorBodyAtWeight({ weightKg, ...body }));
      if (!model || !quality.photoBlobs) {
        return EstimateSchema.parse({
          ...prior,
          weightKg: m.weightKg,
          ranges: estimateRanges({
            bodyFatPercent: prior.bodyFatPercent,
            weightKg: m.weightKg,
            seePp: PRIOR_SEE_PP,
            source: PRIOR_RANGE_SOURCE,
          }),
          repeatability: priorSem,
        });
      }

      // The photos the quality step judged: the sealed copies, checked against their seal again.
      const blobs = quality.photoBlobs;
      const images = await withScanPhotos(async () => {
        const sealed = await readSealedScanPhotos(deps, scanId, blobs);
        if (sealed.rejected.length) throw photosChangedFailure(sealed.rejected);
        return preparedPhotos(sealed.bytes, deps.photoLimits.maxPixels);
      });
      const { value: vision, run } = await estimateFromPhotos(model, scanId, images, { sex: m.sex, age }).catch((err: unknown) => {
        if (err instanceof ModelOutputError) {
          throw ApplicationFailure.create({
            type: FailureType.ModelOutputInvalid,
            message: `estimation: ${err.message}`,
            nonRetryable: true,
          });
        }
        throw err;
      });
      const fused = fuseEstimates({
        sex: m.sex,
        weightKg: m.weightKg,
        prior: { bodyFatPercent: prior.bodyFatPercent, confidence: prior.confidence },
        vision,
      });
      return EstimateSchema.parse({
        ...prior,
        weightKg: m.weightKg,
        method: 'vision-fused',
        bodyFatPercent: fused.bodyFatPercent,
        fatMassKg: fused.fatMassKg,
        leanMassKg: fused.leanMassKg,
        confidence: fused.confidence,
        fusion: {
          prior: { bodyFatPercent: prior.bodyFatPercent, confidence: prior.confidence },
          vision: { bodyFatPercent: fused.visionClamped, confidence: vision.confidence },
          disagreementPp: fused.disagreementPp,
        },
        reviewReasons: fused.reviewReasons,
        model: run,
        ranges: estimateRanges({
          bodyFatPercent: fused.bodyFatPercent,
          weightKg: m.weightKg,
          seePp: fusedSeePp(prior.confidence, vision.confidence),
          source: FUSED_RANGE_SOURCE,
        }),
        repeatability: fusedRepeatability({
          weightKg: m.weightKg,
          bodyFatPercent: fused.bodyFatPercent,
          prior: priorSem,
          priorConfidence: prior.confidence,
          visionConfidence: vision.confidence,
        }),
      });
    },
  };
}

export function createEstimationActivities(deps: ActivityDeps) {
  const step = estimationStep(deps);
  return {
    /** The estimate, then the scan's progress and the `estimate_completed` audit record in one write. */
    async estimateBodyComposition(input: z.input<typeof EstimationInputSchema>): Promise<Estimate> {
      const estimate = await step.estimateBodyComposition(input);
      await recordScanStep(deps, {
        scanId: input.scanId,
        userId: input.userId,
        step: 'deltas',
        audit: { action: 'estimate_completed', outcome: estimate.method },
      });
      return estimate;
    },
  };
}

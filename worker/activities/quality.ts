import { ApplicationFailure } from '@temporalio/activity';
import { z } from 'zod';
import { FailureType, PHOTO_TOO_LARGE } from '../../common/contracts/failures';
import { ANGLES, type Angle, AngleSchema } from '../../common/contracts/scan';
import type { QualityResult } from '../../common/contracts/scan-results';
import { readImageHeader } from '../../common/photos/image-header';
import { dimensionsProblem } from '../../common/photos/limits';
import { assessScanPhotos } from '../domain/photo-quality';
import { preparedPhotos } from '../model/photos';
import { judgePhotos, visionRejections } from '../model/quality-vision';
import { ModelOutputError } from '../model/structured';
import type { ActivityDeps } from './deps';
import { recordScanStep } from './scan-progress';
import { readSealedScanPhotos } from './sealed-photos';
import { parseOrFail } from './validate';

export const QualityInputSchema = z.object({
  scanId: z.string(),
  userId: z.string(),
  photos: z.record(AngleSchema, z.string().min(1)),
});

function qualityStep(deps: ActivityDeps) {
  const { maxPhotoBytes, photoLimits, qualityThresholds, model } = deps;
  return {
    /** Per photo: format, resolution, orientation, blur and exposure. Bad photos fail without retry. */
    async checkPhotoQuality(input: z.infer<typeof QualityInputSchema>): Promise<QualityResult> {
      const { scanId, photos } = parseOrFail(QualityInputSchema, input, 'quality input');
      // The sealed copies only (worker/activities/sealed-photos.ts): a write to an upload URL after submit cannot reach them.
      const sealed = await readSealedScanPhotos(deps, scanId, photos);
      const missing = ANGLES.filter((angle) => !photos[angle]);
      const tooLarge = ANGLES.filter((angle) => (sealed.sizes[angle] ?? 0) > maxPhotoBytes);
      const bytes = sealed.bytes as Record<Angle, Buffer>;
      const details = [
        ...sealed.rejected,
        ...missing.map((angle) => ({ angle, code: 'missing', reason: `The ${angle} photo is missing. Please upload all four photos.` })),
        ...tooLarge.map((angle) => ({ angle, code: PHOTO_TOO_LARGE, reason: `The ${angle} photo is too large. Please retake it.` })),
        // Sized from the header, as the upload check does, before any photo is decoded: a photo past the
        // check (sealed by other means, or checked under older limits) is refused here without the decode's cost.
        ...ANGLES.flatMap((angle) => {
          const header = bytes[angle] ? readImageHeader(bytes[angle]) : undefined;
          const problem = header?.kind === 'dimensions' ? dimensionsProblem(angle, header, photoLimits) : undefined;
          return problem ? [problem] : [];
        }),
      ];
      if (details.length === 0) {
        const assessed = await assessScanPhotos(bytes, qualityThresholds, photoLimits);
        // The model is asked only about photos the quick checks passed; either can reject.
        if (!assessed.ok) details.push(...assessed.failures);
        else if (!model) return { ok: true, method: 'deterministic', photos: assessed.photos };
        else {
          const judged = await judgePhotos(model, scanId, await preparedPhotos(bytes, photoLimits.maxPixels)).catch((err: unknown) => {
            if (err instanceof ModelOutputError) {
              throw ApplicationFailure.create({
                type: FailureType.ModelOutputInvalid,
                message: `quality: ${err.message}`,
                nonRetryable: true,
              });
            }
            throw err;
          });
          const rejected = visionRejections(judged.value);
          if (rejected.length === 0) {
            return {
              ok: true,
              method: 'deterministic+vision',
              photos: assessed.photos,
              vision: judged.value,
              photoBlobs: photos,
              model: judged.run,
            };
          }
          details.push(...rejected);
        }
      }
      const angles = [...new Set(details.map((d) => d.angle))].join(',');
      throw ApplicationFailure.create({
        type: FailureType.PhotosRejected,
        message: `photos rejected: ${angles}`,
        nonRetryable: true,
        details: [details],
      });
    },
  };
}

export function createQualityActivities(deps: ActivityDeps) {
  const step = qualityStep(deps);
  return {
    /** Per photo: format, resolution, orientation, blur and exposure; bad photos fail without retry. Passed: progress and audit in one write. */
    async checkPhotoQuality(input: z.infer<typeof QualityInputSchema>): Promise<QualityResult> {
      const result = await step.checkPhotoQuality(input);
      await recordScanStep(deps, {
        scanId: input.scanId,
        userId: input.userId,
        step: 'estimate',
        audit: { action: 'quality_checked', outcome: 'passed' },
      });
      return result;
    },
  };
}

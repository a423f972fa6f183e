import { ApplicationFailure } from '@temporalio/activity';
import { z } from 'zod';
import { FailureType, PHOTO_TOO_LARGE } from '../../common/contracts/failures';
import { ANGLES, type Angle, AngleSchema } from '../../common/contracts/scan';
import { type CheckedPhotos, type QualityResult, QualityResultSchema } from '../../common/contracts/scan-results';
import { readImageHeader } from '../../common/photos/image-header';
import { dimensionsProblem } from '../../common/photos/limits';
import { withScanPhotos } from '../domain/photo-decoder';
import { assessScanPhotos } from '../domain/photo-quality';
import type { PreparedImage } from '../model/images';
import { preparedPhotos } from '../model/photos';
import { judgePhotos, visionRejections } from '../model/quality-vision';
import { ModelOutputError } from '../model/structured';
import type { ActivityDeps } from './deps';
import { recordScanStep } from './scan-progress';
import { photosChangedFailure, readSealedScanPhotos } from './sealed-photos';
import { parseOrFail } from './validate';

export const QualityInputSchema = z.object({
  scanId: z.string(),
  userId: z.string(),
  photos: z.record(AngleSchema, z.string().min(1)),
  /**
   * Set by the workflow that runs the model's judgement in an activity of its own (judgePhotoQuality), so
   * the estimate starts as soon as the deterministic checks pass. Absent (runs scheduled before, and the
   * histories they recorded), this activity runs both, as it always did.
   */
  judgeSeparately: z.literal(true).optional(),
});

export const JudgementInputSchema = z.object({
  scanId: z.string(),
  userId: z.string(),
  /** What checkPhotoQuality returned: the deterministic assessment and the sealed blobs it checked. */
  checked: QualityResultSchema,
});

/** A PhotosRejected failure naming every angle with a problem; never retried. */
function photosRejected(details: Array<{ angle?: string; code: string; reason: string }>): ApplicationFailure {
  const angles = [...new Set(details.map((d) => d.angle))].join(',');
  return ApplicationFailure.create({
    type: FailureType.PhotosRejected,
    message: `photos rejected: ${angles}`,
    nonRetryable: true,
    details: [details],
  });
}

function qualityStep(deps: ActivityDeps) {
  const { maxPhotoBytes, photoLimits, qualityThresholds, model } = deps;

  /** The model's pose/framing/clothing/lighting judgement of photos the deterministic checks passed. */
  async function judge(scanId: string, images: PreparedImage[], photos: QualityResult['photos'], blobs: Record<string, string>) {
    // Only a worker without the model settings gets here (another worker asked for the judgement): retried, perhaps elsewhere.
    if (!model) throw new Error('a vision judgement needs a model');
    const judged = await judgePhotos(model, scanId, images).catch((err: unknown) => {
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
    if (rejected.length) throw photosRejected(rejected);
    return {
      ok: true,
      method: 'deterministic+vision',
      photos,
      vision: judged.value,
      photoBlobs: blobs,
      model: judged.run,
    } satisfies QualityResult;
  }

  /** The deterministic checks of a scan's sealed photos; with `prepare`, also the copies a model judges. */
  async function checkedPhotos(scanId: string, photos: z.infer<typeof QualityInputSchema>['photos'], prepare: boolean) {
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
    if (details.length) throw photosRejected(details);
    const assessed = await assessScanPhotos(bytes, qualityThresholds, photoLimits);
    // The model is asked only about photos the quick checks passed; either can reject.
    if (!assessed.ok) throw photosRejected(assessed.failures);
    return { photos: assessed.photos, images: prepare ? await preparedPhotos(bytes, photoLimits.maxPixels) : [] };
  }

  return {
    /**
     * Per photo: format, resolution, orientation, blur and exposure, then (with a model, unless the
     * workflow judges separately) the model's judgement. Bad photos fail without retry.
     */
    async checkPhotoQuality(input: z.infer<typeof QualityInputSchema>): Promise<CheckedPhotos> {
      const { scanId, photos, judgeSeparately } = parseOrFail(QualityInputSchema, input, 'quality input');
      // The photos are read, checked and (for a judgement here) prepared within the worker's decode bound; the model call is not.
      const checked = await withScanPhotos(() => checkedPhotos(scanId, photos, model !== undefined && !judgeSeparately));
      if (!model) return { ok: true, method: 'deterministic', photos: checked.photos };
      if (judgeSeparately) return { ok: true, method: 'deterministic', photos: checked.photos, photoBlobs: photos, judgementPending: true };
      return judge(scanId, checked.images, checked.photos, photos);
    },

    /** The model's judgement of photos checkPhotoQuality passed (read again from their sealed copies). */
    async judgePhotoQuality(input: z.infer<typeof JudgementInputSchema>): Promise<QualityResult> {
      const { scanId, checked } = parseOrFail(JudgementInputSchema, input, 'judgement input');
      const blobs = checked.photoBlobs;
      if (!blobs) {
        throw ApplicationFailure.create({
          type: FailureType.InvalidActivityInput,
          message: 'judgement input is invalid at: checked.photoBlobs',
          nonRetryable: true,
        });
      }
      const images = await withScanPhotos(async () => {
        const sealed = await readSealedScanPhotos(deps, scanId, blobs);
        if (sealed.rejected.length) throw photosChangedFailure(sealed.rejected);
        return preparedPhotos(sealed.bytes, photoLimits.maxPixels);
      });
      return judge(scanId, images, checked.photos, blobs);
    },
  };
}

/** The quality step has passed: progress and audit in one write. */
const recordQualityPassed = (deps: ActivityDeps, input: { scanId: string; userId: string }) =>
  recordScanStep(deps, {
    scanId: input.scanId,
    userId: input.userId,
    step: 'estimate',
    audit: { action: 'quality_checked', outcome: 'passed' },
  });

export function createQualityActivities(deps: ActivityDeps) {
  const step = qualityStep(deps);
  return {
    /** Per photo: format, resolution, orientation, blur and exposure; bad photos fail without retry. Passed: progress and audit in one write. */
    async checkPhotoQuality(input: z.infer<typeof QualityInputSchema>): Promise<CheckedPhotos> {
      const result = await step.checkPhotoQuality(input);
      // With the judgement still to come, the step has not passed yet: judgePhotoQuality records it.
      if (!result.judgementPending) await recordQualityPassed(deps, input);
      return result;
    },
    /** The model's judgement, run beside the estimate; passed: progress and audit in one write. */
    async judgePhotoQuality(input: z.infer<typeof JudgementInputSchema>): Promise<QualityResult> {
      const result = await step.judgePhotoQuality(input);
      await recordQualityPassed(deps, input);
      return result;
    },
  };
}

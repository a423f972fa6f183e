import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import { z } from 'zod';
import { FailureType } from '../../common/contracts/failures';
import { ANGLES, AngleSchema, type Angle } from '../../common/contracts/scan';
import { assessScanPhotos, PhotoAssessmentSchema } from '../domain/photo-quality';
import type { ActivityDeps } from './deps';
import { parseOrFail } from './validate';

export const QualityInputSchema = z.object({
  scanId: z.string(),
  userId: z.string(),
  photos: z.record(AngleSchema, z.string().min(1)),
});
export const QualityResultSchema = z.object({
  ok: z.literal(true),
  method: z.literal('deterministic'),
  photos: z.array(PhotoAssessmentSchema),
});
export type QualityResult = z.infer<typeof QualityResultSchema>;

export function createQualityActivities({ blob, uploadsContainer, maxPhotoBytes, qualityThresholds }: ActivityDeps) {
  return {
    /** Per photo: format, resolution, orientation, blur and exposure. Bad photos fail without retry. */
    async checkPhotoQuality(input: z.infer<typeof QualityInputSchema>): Promise<QualityResult> {
      const { photos } = parseOrFail(QualityInputSchema, input, 'quality input');
      const container = blob.getContainerClient(uploadsContainer);
      const missing: Angle[] = [];
      const tooLarge: Angle[] = [];
      const bytes = {} as Record<Angle, Buffer>;
      await Promise.all(
        ANGLES.map(async (angle) => {
          const client = container.getBlockBlobClient(photos[angle] ?? '');
          if (!photos[angle] || !(await client.exists())) return void missing.push(angle);
          const props = await client.getProperties();
          if ((props.contentLength ?? 0) > maxPhotoBytes) return void tooLarge.push(angle);
          bytes[angle] = await client.downloadToBuffer();
        }),
      );
      const details = [
        ...missing.map((angle) => ({ angle, code: 'missing', reason: `The ${angle} photo is missing. Please upload all four photos.` })),
        ...tooLarge.map((angle) => ({ angle, code: 'too_large', reason: `The ${angle} photo is too large. Please retake it.` })),
      ];
      if (details.length === 0) {
        heartbeat();
        const assessed = await assessScanPhotos(bytes, qualityThresholds);
        if (assessed.ok) return { ok: true, method: 'deterministic', photos: assessed.photos };
        details.push(...assessed.failures);
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

import { ApplicationFailure } from '@temporalio/activity';
import { FailureType } from '../../common/contracts/failures';
import { ANGLES, type Angle } from '../../common/contracts/scan';
import type { PhotoSeals } from '../../common/contracts/scan-document';
import { scanRef } from '../../common/scans/repository';
import { PHOTOS_CHANGED, readSealedPhoto, SealBrokenError } from '../../common/scans/sealed-photos';
import { type ActivityDeps, photoContainers } from './deps';

export interface PhotoRejection {
  angle: Angle;
  code: string;
  reason: string;
}

const changed = (angle: Angle): PhotoRejection => ({
  angle,
  code: PHOTOS_CHANGED,
  reason: `The ${angle} photo is not the one submitted. Please take a new scan.`,
});

/**
 * The scan's photos exactly as sealed at submit (common/scans/sealed-photos.ts): the bytes of each angle
 * whose sealed copy is intact, and a 'photos_changed' rejection for each that is gone, replaced or was
 * never sealed. Nothing is read from the upload location.
 */
export async function readSealedScanPhotos(
  deps: Pick<ActivityDeps, 'db' | 'blob' | 'dataBlob' | 'uploadsContainer' | 'sealedPhotosContainer'>,
  scanId: string,
  names: Partial<Record<Angle, string>>,
  angles: readonly Angle[] = ANGLES,
): Promise<{ bytes: Partial<Record<Angle, Buffer>>; rejected: PhotoRejection[]; sizes: Partial<Record<Angle, number>> }> {
  const { sealed } = photoContainers(deps);
  const seals: PhotoSeals = (await scanRef(deps.db, scanId).get()).data()?.sealedPhotos ?? {};
  const bytes: Partial<Record<Angle, Buffer>> = {};
  const sizes: Partial<Record<Angle, number>> = {};
  const rejected: PhotoRejection[] = [];
  await Promise.all(
    angles.map(async (angle) => {
      const name = names[angle];
      const seal = seals[angle];
      if (!name) return;
      if (!seal) return void rejected.push(changed(angle));
      sizes[angle] = seal.bytes;
      try {
        bytes[angle] = await readSealedPhoto(sealed, name, angle, seal);
      } catch (err) {
        if (err instanceof SealBrokenError) return void rejected.push(changed(angle));
        throw err;
      }
    }),
  );
  return { bytes, rejected, sizes };
}

/** A stable, non-retryable photo rejection naming the photos that are not the ones submitted. */
export function photosChangedFailure(rejected: PhotoRejection[]) {
  return ApplicationFailure.create({
    type: FailureType.PhotosRejected,
    message: `photos rejected: ${rejected.map((r) => r.angle).join(',')}`,
    nonRetryable: true,
    details: [rejected],
  });
}

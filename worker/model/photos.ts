import { ANGLES, type Angle } from '../../common/contracts/scan';
import { type PreparedImage, prepareImageForModel } from './images';

/**
 * The scan's photos as they may be sent to a model (bytes read from their sealed copies), decoded one
 * at a time (never more than MAX_PHOTO_PIXELS each) so a scan holds at most one decoded photo at once.
 */
export async function preparedPhotos(photos: Partial<Record<Angle, Buffer>>, maxPixels: number): Promise<PreparedImage[]> {
  const prepared: PreparedImage[] = [];
  for (const angle of ANGLES) {
    const bytes = photos[angle];
    if (bytes) prepared.push(await prepareImageForModel(angle, bytes, maxPixels));
  }
  return prepared;
}

import { ANGLES, type Angle } from '../../common/contracts/scan';
import { prepareImageForModel, type PreparedImage } from './images';

/** The scan's photos as they may be sent to a model (bytes read from their sealed copies). */
export async function preparedPhotos(photos: Partial<Record<Angle, Buffer>>): Promise<PreparedImage[]> {
  return Promise.all(ANGLES.filter((a) => photos[a]).map((a) => prepareImageForModel(a, photos[a]!)));
}

import type { BlobServiceClient } from '@azure/storage-blob';
import { ANGLES, type Angle } from '../../common/contracts/scan';
import { prepareImageForModel, type PreparedImage } from './images';

/** The scan's photos as they may be sent to a model: from bytes already in hand, or read from Blob. */
export async function preparedPhotos(photos: Partial<Record<Angle, Buffer>>): Promise<PreparedImage[]> {
  return Promise.all(ANGLES.filter((a) => photos[a]).map((a) => prepareImageForModel(a, photos[a]!)));
}

export async function preparedPhotosFromBlob(
  blob: BlobServiceClient,
  container: string,
  names: Partial<Record<Angle, string>>,
): Promise<PreparedImage[]> {
  const c = blob.getContainerClient(container);
  const bytes: Partial<Record<Angle, Buffer>> = {};
  await Promise.all(
    ANGLES.filter((a) => names[a]).map(async (a) => {
      bytes[a] = await c.getBlockBlobClient(names[a]!).downloadToBuffer();
    }),
  );
  return preparedPhotos(bytes);
}

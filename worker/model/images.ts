import type { Angle } from '../../common/contracts/scan';
import { openPhoto } from '../domain/photo-decoder';
import { type ImageDetail, imageTokens } from './image-tokens';

// Photos leave the system only in this form: EXIF orientation applied then all metadata dropped
// (sharp writes none unless asked), downscaled to fit MODEL_IMAGE_MAX_EDGE and re-encoded as JPEG.
// Low detail makes the provider look at a 512x512 version anyway, so sending more only costs bandwidth.

export const MODEL_IMAGE_MAX_EDGE = 512;
export const MODEL_IMAGE_DETAIL: ImageDetail = 'low';
export const MODEL_IMAGE_JPEG_QUALITY = 80;

export interface PreparedImage {
  angle: Angle;
  dataUrl: string;
  width: number;
  height: number;
  bytes: number;
  detail: ImageDetail;
  tokens: number;
}

export async function prepareImageForModel(angle: Angle, photo: Buffer, maxPixels: number): Promise<PreparedImage> {
  const { data, info } = await openPhoto(photo, maxPixels, 'error')
    .rotate()
    .resize({ width: MODEL_IMAGE_MAX_EDGE, height: MODEL_IMAGE_MAX_EDGE, fit: 'inside', withoutEnlargement: true })
    .toColourspace('srgb')
    .jpeg({ quality: MODEL_IMAGE_JPEG_QUALITY, mozjpeg: true })
    .toBuffer({ resolveWithObject: true });
  return {
    angle,
    dataUrl: `data:image/jpeg;base64,${data.toString('base64')}`,
    width: info.width,
    height: info.height,
    bytes: data.length,
    detail: MODEL_IMAGE_DETAIL,
    tokens: imageTokens(info.width, info.height, MODEL_IMAGE_DETAIL),
  };
}

/** What is recorded about the images sent (never the images themselves). */
export function imageProvenance(images: PreparedImage[]) {
  return {
    detail: MODEL_IMAGE_DETAIL,
    maxEdge: MODEL_IMAGE_MAX_EDGE,
    format: 'jpeg' as const,
    sizes: images.map((i) => ({ angle: i.angle, width: i.width, height: i.height, bytes: i.bytes })),
  };
}

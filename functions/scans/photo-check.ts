import { PHOTO_TOO_LARGE, type UploadCheckCode } from '../../common/contracts/failures';
import type { Angle } from '../../common/contracts/scan';
import type { HeaderReading, ImageFormat } from '../../common/photos/image-header';
import { dimensionsProblem, type PhotoDimensionLimits } from '../../common/photos/limits';
import type { ACCEPTED_PHOTO_TYPES } from './upload-urls';

const FORMAT_OF_TYPE: Record<(typeof ACCEPTED_PHOTO_TYPES)[number], ImageFormat> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
};

export interface PhotoFacts {
  angle: Angle;
  contentType: string | undefined;
  size: number;
  /** What the photo's leading bytes say (common/photos/image-header.ts); not read when the size already fails. */
  header?: HeaderReading | undefined;
}

export interface PhotoProblem {
  angle: Angle;
  code: UploadCheckCode;
  reason: string;
}

export interface UploadLimits extends PhotoDimensionLimits {
  maxBytes: number;
}

/**
 * Member-facing checks of one uploaded photo: size, real type and header (magic bytes and dimensions,
 * read without decoding), declared type. The first problem found is the one named.
 */
export function checkPhoto(p: PhotoFacts, limits: UploadLimits): PhotoProblem | undefined {
  const declared = (p.contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (p.size <= 0) return { angle: p.angle, code: 'empty_photo', reason: `The ${p.angle} photo is empty. Please upload it again.` };
  if (p.size > limits.maxBytes) {
    return {
      angle: p.angle,
      code: PHOTO_TOO_LARGE,
      reason: `The ${p.angle} photo is larger than ${Math.floor(limits.maxBytes / 1_000_000)} MB.`,
    };
  }
  const header = p.header;
  if (!header?.format) return { angle: p.angle, code: 'not_an_image', reason: `The ${p.angle} photo is not a JPEG, PNG or WebP image.` };
  if (header.kind !== 'dimensions') {
    return { angle: p.angle, code: 'not_an_image', reason: `The ${p.angle} photo is damaged or incomplete. Please upload it again.` };
  }
  if (!(declared in FORMAT_OF_TYPE)) {
    return {
      angle: p.angle,
      code: 'unsupported_content_type',
      reason: `The ${p.angle} photo was uploaded without an image content type (JPEG, PNG or WebP).`,
    };
  }
  if (FORMAT_OF_TYPE[declared as keyof typeof FORMAT_OF_TYPE] !== header.format) {
    return { angle: p.angle, code: 'content_type_mismatch', reason: `The ${p.angle} photo's content type does not match the image.` };
  }
  return dimensionsProblem(p.angle, header, limits);
}

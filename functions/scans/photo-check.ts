import { PHOTO_TOO_LARGE } from '../../common/contracts/failures';
import type { Angle } from '../../common/contracts/scan';
import type { ACCEPTED_PHOTO_TYPES } from './upload-urls';

export type ImageFormat = 'jpeg' | 'png' | 'webp';

/** Bytes needed to recognise every accepted format. */
export const MAGIC_BYTES_NEEDED = 12;

/** The image format the first bytes announce, or undefined when they are none of JPEG, PNG, WebP. */
export function sniffImageFormat(head: Uint8Array): ImageFormat | undefined {
  const b = (i: number) => head[i];
  if (head.length >= 3 && b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) return 'jpeg';
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (head.length >= 8 && png.every((v, i) => b(i) === v)) return 'png';
  const ascii = (from: number, to: number) => String.fromCharCode(...head.subarray(from, to));
  if (head.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  return undefined;
}

const FORMAT_OF_TYPE: Record<(typeof ACCEPTED_PHOTO_TYPES)[number], ImageFormat> = {
  'image/jpeg': 'jpeg',
  'image/png': 'png',
  'image/webp': 'webp',
};

export interface PhotoFacts {
  angle: Angle;
  contentType: string | undefined;
  size: number;
  head: Uint8Array;
}

export interface PhotoProblem {
  angle: Angle;
  code: 'unsupported_content_type' | 'empty_photo' | typeof PHOTO_TOO_LARGE | 'not_an_image' | 'content_type_mismatch';
  reason: string;
}

/** Member-facing checks of one uploaded photo: declared type, real type (magic bytes) and size. */
export function checkPhoto(p: PhotoFacts, maxBytes: number): PhotoProblem | undefined {
  const declared = (p.contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (p.size <= 0) return { angle: p.angle, code: 'empty_photo', reason: `The ${p.angle} photo is empty. Please upload it again.` };
  if (p.size > maxBytes) {
    return {
      angle: p.angle,
      code: PHOTO_TOO_LARGE,
      reason: `The ${p.angle} photo is larger than ${Math.floor(maxBytes / 1_000_000)} MB.`,
    };
  }
  const sniffed = sniffImageFormat(p.head);
  if (!sniffed) return { angle: p.angle, code: 'not_an_image', reason: `The ${p.angle} photo is not a JPEG, PNG or WebP image.` };
  if (!(declared in FORMAT_OF_TYPE)) {
    return {
      angle: p.angle,
      code: 'unsupported_content_type',
      reason: `The ${p.angle} photo was uploaded without an image content type (JPEG, PNG or WebP).`,
    };
  }
  if (FORMAT_OF_TYPE[declared as keyof typeof FORMAT_OF_TYPE] !== sniffed) {
    return { angle: p.angle, code: 'content_type_mismatch', reason: `The ${p.angle} photo's content type does not match the image.` };
  }
  return undefined;
}

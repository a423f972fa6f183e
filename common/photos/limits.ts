import type { Config } from '../config';
import { PHOTO_DIMENSIONS_TOO_LARGE } from '../contracts/failures';
import type { Angle } from '../contracts/scan';
import { type HeaderReading, MAX_HEADER_BYTES, readImageHeader } from './image-header';

// The largest photo accepted, by the dimensions its header declares (MAX_PHOTO_PIXELS and
// MAX_PHOTO_LONGEST_SIDE). The upload check and the quality activity apply this same rule with the
// same member-facing reason; the worker's decoder is capped at maxPixels as well.

export interface PhotoDimensionLimits {
  maxPixels: number;
  maxLongestSide: number;
}

/**
 * The defaults of MAX_PHOTO_PIXELS and MAX_PHOTO_LONGEST_SIDE. A phone camera's normal setting makes 12-24 MP
 * (4032x3024 to 5712x4284); its 48-200 MP modes, and a small file declaring a huge image, are refused.
 */
export const DEFAULT_PHOTO_DIMENSION_LIMITS: PhotoDimensionLimits = { maxPixels: 40_000_000, maxLongestSide: 12_000 };

export function photoDimensionLimits(config: Pick<Config, 'MAX_PHOTO_PIXELS' | 'MAX_PHOTO_LONGEST_SIDE'>): PhotoDimensionLimits {
  return { maxPixels: config.MAX_PHOTO_PIXELS, maxLongestSide: config.MAX_PHOTO_LONGEST_SIDE };
}

export interface DimensionsProblem {
  angle: Angle;
  code: typeof PHOTO_DIMENSIONS_TOO_LARGE;
  reason: string;
}

/** The member-facing problem of a photo larger than the limits, or undefined when it is within them. */
export function dimensionsProblem(
  angle: Angle,
  { width, height }: { width: number; height: number },
  limits: PhotoDimensionLimits,
): DimensionsProblem | undefined {
  if (width * height <= limits.maxPixels && Math.max(width, height) <= limits.maxLongestSide) return undefined;
  const megapixels = Math.floor(limits.maxPixels / 1_000_000);
  return {
    angle,
    code: PHOTO_DIMENSIONS_TOO_LARGE,
    reason:
      `The ${angle} photo is ${width} x ${height} pixels, larger than we accept (at most ${megapixels} megapixels and ` +
      `${limits.maxLongestSide} pixels on the longest side). Please take it with your camera's standard photo setting.`,
  };
}

/** Leading bytes read first: a PNG or WebP header is in the first 30, a phone JPEG's mostly in 16 KiB. */
const FIRST_READ_BYTES = 16 * 1024;

/**
 * The header of a stored file of `size` bytes, reading as few leading bytes as it needs (`readPrefix(n)`
 * returns the first n): a JPEG's metadata segments are skipped by their lengths, so a file is read
 * further only when its frame header lies further in, and never past MAX_HEADER_BYTES.
 */
export async function readStoredImageHeader(size: number, readPrefix: (bytes: number) => Promise<Uint8Array>): Promise<HeaderReading> {
  let want = Math.min(size, FIRST_READ_BYTES);
  for (;;) {
    const head = await readPrefix(want);
    const reading = readImageHeader(head);
    if (reading.kind !== 'need_more') return reading;
    if (head.length < want || reading.bytes > size)
      return { kind: 'malformed', format: reading.format, reason: 'the file ends inside its header' };
    if (reading.bytes > MAX_HEADER_BYTES)
      return { kind: 'malformed', format: reading.format, reason: 'no image header in the first 1 MiB' };
    want = Math.min(size, MAX_HEADER_BYTES, Math.max(reading.bytes, want * 2));
  }
}

import { z } from 'zod';
import { ANGLES, type Angle, AngleSchema } from '../../common/contracts/scan';
import {
  type PhotoAssessment,
  PhotoAssessmentSchema,
  type PhotoFailureCode,
  PhotoFailureSchema,
} from '../../common/contracts/scan-results';
import { DEFAULT_PHOTO_DIMENSION_LIMITS, type PhotoDimensionLimits } from '../../common/photos/limits';
import { openPhoto } from './photo-decoder';

// Deterministic photo quality check (SPEC §3-4, agent "quality"): format, resolution, orientation,
// blur (variance of the Laplacian on a fixed-size grey copy) and exposure clipping, per photo.
// Every failure carries a stable code and a member-facing reason that names the photo.

/**
 * The fixed-size grey copy every blur and exposure measurement is taken on: exactly 384x512 (portrait 3:4),
 * after EXIF orientation, resized with `fit: 'fill'` (a photo of another aspect is stretched, never cropped,
 * so every pixel counts) and shrink-on-load, so the score does not depend on the camera's resolution.
 */
export const ANALYSIS_WIDTH = 384;
export const ANALYSIS_HEIGHT = 512;
/** Grey levels at or below / at or above these count as clipped shadows / highlights. */
export const DARK_LEVEL = 5;
export const BRIGHT_LEVEL = 250;

export const PhotoQualityThresholdsSchema = z.object({
  minWidth: z.number().int().positive().default(480),
  minHeight: z.number().int().positive().default(640),
  /**
   * Variance of the Laplacian on the 384x512 grey copy. Synthetic good samples score about 580 (profile)
   * to 930 (front/back); the blurred samples about 1-2.
   */
  minSharpness: z.number().nonnegative().default(100),
  maxClippedShare: z.number().min(0).max(1).default(0.35),
});
export type PhotoQualityThresholds = z.infer<typeof PhotoQualityThresholdsSchema>;

export const DEFAULT_PHOTO_QUALITY_THRESHOLDS: PhotoQualityThresholds = PhotoQualityThresholdsSchema.parse({});

export const SUPPORTED_PHOTO_FORMATS = ['jpeg', 'png', 'webp'] as const;

export const ScanPhotoFailureSchema = PhotoFailureSchema.extend({ angle: AngleSchema });
export type ScanPhotoFailure = z.infer<typeof ScanPhotoFailureSchema>;

export const ScanPhotoAssessmentSchema = z.object({
  ok: z.boolean(),
  photos: z.array(PhotoAssessmentSchema),
  failures: z.array(ScanPhotoFailureSchema),
});
export type ScanPhotoAssessment = z.infer<typeof ScanPhotoAssessmentSchema>;

export type ScanPhotos = Record<Angle, Buffer>;

/** Member-facing, plain-English reasons; each names the photo. */
export function failureReason(angle: Angle, code: PhotoFailureCode, thresholds?: PhotoQualityThresholds): string {
  const photo = `The ${angle} photo`;
  switch (code) {
    case 'unsupported_format':
      return `${photo} could not be read. Please take it again and upload it as a JPEG, PNG or WebP image.`;
    case 'too_small': {
      const min = thresholds ? ` (at least ${thresholds.minWidth} x ${thresholds.minHeight} pixels)` : '';
      return `${photo} is too small${min}. Please retake it with your phone's normal camera setting.`;
    }
    case 'not_portrait':
      return `${photo} is sideways or landscape. Hold the phone upright so your whole body fits from head to feet.`;
    case 'too_blurry':
      return `${photo} is too blurry. Hold the phone steady and make sure you are in focus.`;
    case 'underexposed':
      return `${photo} is too dark. Turn on more lights or face a window, then take it again.`;
    case 'overexposed':
      return `${photo} is too bright. Avoid standing in front of a window or strong light, then take it again.`;
  }
}

/**
 * Variance of the 3x3 Laplacian [0,1,0; 1,-4,1; 0,1,0] over the interior pixels of an 8-bit grey image
 * (row-major, one byte per pixel). Population variance (divides by N), computed in float64.
 * Images smaller than 3x3 have no interior and score 0.
 */
export function laplacianVariance(grey: Uint8Array, width: number, height: number): number {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new RangeError(`invalid image size ${width}x${height}`);
  }
  if (grey.length < width * height) {
    throw new RangeError(`expected ${width * height} grey pixels, got ${grey.length}`);
  }
  if (width < 3 || height < 3) return 0;
  let n = 0;
  let sum = 0;
  let sumSq = 0;
  for (let y = 1; y < height - 1; y++) {
    const row = y * width;
    for (let x = 1; x < width - 1; x++) {
      const i = row + x;
      // Indices are in range by construction; `as number` spares the noUncheckedIndexedAccess checks in the hot loop.
      const lap =
        (grey[i - width] as number) +
        (grey[i - 1] as number) +
        (grey[i + 1] as number) +
        (grey[i + width] as number) -
        4 * (grey[i] as number);
      sum += lap;
      sumSq += lap * lap;
      n++;
    }
  }
  const mean = sum / n;
  // Integer Laplacian values keep sum and sumSq exact in float64 for this image size, so this is stable.
  return Math.max(0, sumSq / n - mean * mean);
}

function isSupportedFormat(format: string | undefined): boolean {
  return format !== undefined && (SUPPORTED_PHOTO_FORMATS as readonly string[]).includes(format);
}

/**
 * Assess one photo. Never throws for bad bytes: an unreadable photo, or one over `limits.maxPixels` (the
 * decoder refuses it; the quality activity refuses it from its header before this runs), is an
 * `unsupported_format` failure.
 */
export async function assessPhoto(
  bytes: Buffer,
  angle: Angle,
  thresholds: PhotoQualityThresholds = DEFAULT_PHOTO_QUALITY_THRESHOLDS,
  limits: PhotoDimensionLimits = DEFAULT_PHOTO_DIMENSION_LIMITS,
): Promise<PhotoAssessment> {
  const unsupported = (format: string, width = 0, height = 0): PhotoAssessment => ({
    angle,
    ok: false,
    width,
    height,
    format,
    sharpness: 0,
    darkShare: 0,
    brightShare: 0,
    failures: [{ code: 'unsupported_format', reason: failureReason(angle, 'unsupported_format', thresholds) }],
  });

  let format: string;
  let width: number;
  let height: number;
  try {
    const meta = await openPhoto(bytes, limits.maxPixels).metadata();
    format = meta.format;
    width = meta.autoOrient?.width ?? meta.width;
    height = meta.autoOrient?.height ?? meta.height;
  } catch {
    return unsupported('unknown');
  }
  if (!isSupportedFormat(format)) return unsupported(format, width, height);

  let grey: Buffer;
  let channels: number;
  try {
    const out = await openPhoto(bytes, limits.maxPixels)
      .autoOrient()
      .resize(ANALYSIS_WIDTH, ANALYSIS_HEIGHT, { fit: 'fill', fastShrinkOnLoad: true })
      .removeAlpha()
      .greyscale()
      .toColourspace('b-w')
      .raw()
      .toBuffer({ resolveWithObject: true });
    grey = out.data;
    channels = out.info.channels;
    if (out.info.width !== ANALYSIS_WIDTH || out.info.height !== ANALYSIS_HEIGHT) {
      throw new Error(`unexpected analysis size ${out.info.width}x${out.info.height}`);
    }
  } catch {
    // Header readable but pixels not (e.g. truncated file): the member must re-upload either way.
    return unsupported(format, width, height);
  }

  const pixels = ANALYSIS_WIDTH * ANALYSIS_HEIGHT;
  const plane = channels === 1 ? new Uint8Array(grey.buffer, grey.byteOffset, pixels) : new Uint8Array(pixels);
  if (channels !== 1) for (let i = 0; i < pixels; i++) plane[i] = grey[i * channels] as number;

  let dark = 0;
  let bright = 0;
  for (let i = 0; i < pixels; i++) {
    const v = plane[i] as number;
    if (v <= DARK_LEVEL) dark++;
    else if (v >= BRIGHT_LEVEL) bright++;
  }
  const darkShare = dark / pixels;
  const brightShare = bright / pixels;
  const sharpness = laplacianVariance(plane, ANALYSIS_WIDTH, ANALYSIS_HEIGHT);

  const codes: PhotoFailureCode[] = [];
  if (width < thresholds.minWidth || height < thresholds.minHeight) codes.push('too_small');
  if (width >= height) codes.push('not_portrait');
  if (sharpness < thresholds.minSharpness) codes.push('too_blurry');
  if (darkShare > thresholds.maxClippedShare) codes.push('underexposed');
  if (brightShare > thresholds.maxClippedShare) codes.push('overexposed');

  const failures = codes.map((code) => ({ code, reason: failureReason(angle, code, thresholds) }));
  return { angle, ok: failures.length === 0, width, height, format, sharpness, darkShare, brightShare, failures };
}

/**
 * Assess all four photos, one at a time: a scan holds at most one decoded photo at once, however many
 * scans the worker runs. `photos` comes back in the fixed angle order front, back, left, right.
 */
export async function assessScanPhotos(
  photos: ScanPhotos,
  thresholds: PhotoQualityThresholds = DEFAULT_PHOTO_QUALITY_THRESHOLDS,
  limits: PhotoDimensionLimits = DEFAULT_PHOTO_DIMENSION_LIMITS,
): Promise<ScanPhotoAssessment> {
  const assessed: PhotoAssessment[] = [];
  for (const angle of ANGLES) assessed.push(await assessPhoto(photos[angle], angle, thresholds, limits));
  const failures = assessed.flatMap((a) => a.failures.map((f) => ({ angle: a.angle, code: f.code, reason: f.reason })));
  return { ok: failures.length === 0, photos: assessed, failures };
}

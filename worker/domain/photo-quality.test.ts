import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { ANGLES, type Angle } from '../../common/contracts/scan';
import { PhotoAssessmentSchema, type PhotoFailureCode } from '../../common/contracts/scan-results';
import { makeNotAnImage, makeSamplePhoto, makeSampleScanPhotos, type SamplePhotoVariant } from '../../scripts/lib/sample-photos';
import {
  ANALYSIS_HEIGHT,
  ANALYSIS_WIDTH,
  assessPhoto,
  assessScanPhotos,
  DEFAULT_PHOTO_QUALITY_THRESHOLDS,
  laplacianVariance,
  PhotoQualityThresholdsSchema,
  ScanPhotoAssessmentSchema,
} from './photo-quality';

const thresholds = DEFAULT_PHOTO_QUALITY_THRESHOLDS;

describe('PhotoQualityThresholdsSchema', () => {
  it('fills in the documented defaults', () => {
    expect(PhotoQualityThresholdsSchema.parse({})).toEqual({
      minWidth: 480,
      minHeight: 640,
      minSharpness: 100,
      maxClippedShare: 0.35,
    });
  });

  it('keeps explicit values and rejects nonsense', () => {
    expect(PhotoQualityThresholdsSchema.parse({ minSharpness: 50 }).minSharpness).toBe(50);
    expect(() => PhotoQualityThresholdsSchema.parse({ maxClippedShare: 1.5 })).toThrow();
    expect(() => PhotoQualityThresholdsSchema.parse({ minWidth: -1 })).toThrow();
  });
});

describe('laplacianVariance (pinned to its definition)', () => {
  it('scores a single bright pixel on black exactly', () => {
    // 5x5 black image, centre pixel (2,2) = 255. The kernel [0,1,0;1,-4,1;0,1,0] is applied to the 3x3
    // interior (x, y in 1..3):
    //   centre (2,2):                         -4 * 255 = -1020
    //   its 4 edge neighbours (1,2),(3,2),(2,1),(2,3): +255 each (the centre is one of their 4 neighbours)
    //   the 4 interior corners (1,1),(1,3),(3,1),(3,3): 0 (the centre is diagonal, outside the kernel)
    // mean = (-1020 + 4 * 255) / 9 = 0
    // variance = (1020^2 + 4 * 255^2) / 9 = (1_040_400 + 260_100) / 9 = 1_300_500 / 9 = 144_500
    const grey = new Uint8Array(25);
    grey[2 * 5 + 2] = 255;
    expect(laplacianVariance(grey, 5, 5)).toBe(144_500);
  });

  it('scores a 0/255 checkerboard exactly', () => {
    // 4x4 checkerboard, v = 255 where (x + y) is even. Every interior pixel's 4 neighbours have the other
    // value: a 255 pixel gives 0 - 4*255 = -1020, a 0 pixel gives 4*255 = +1020. The 2x2 interior holds
    // two of each: mean 0, variance 1020^2 = 1_040_400.
    const grey = new Uint8Array(16);
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) grey[y * 4 + x] = (x + y) % 2 === 0 ? 255 : 0;
    expect(laplacianVariance(grey, 4, 4)).toBe(1_040_400);
  });

  it('scores flat images and linear ramps 0, and tiny images 0', () => {
    expect(laplacianVariance(new Uint8Array(64).fill(128), 8, 8)).toBe(0);
    // A horizontal ramp has zero second derivative everywhere.
    const ramp = new Uint8Array(64);
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) ramp[y * 8 + x] = x * 10;
    expect(laplacianVariance(ramp, 8, 8)).toBe(0);
    expect(laplacianVariance(new Uint8Array(4), 2, 2)).toBe(0);
  });

  it('rejects a buffer smaller than the stated size', () => {
    expect(() => laplacianVariance(new Uint8Array(10), 4, 4)).toThrow(RangeError);
  });
});

describe('assessPhoto', () => {
  it.each(ANGLES)('passes a good %s sample with margin', async (angle) => {
    const result = await assessPhoto(await makeSamplePhoto(angle), angle, thresholds);
    expect(PhotoAssessmentSchema.parse(result)).toEqual(result);
    expect(result).toMatchObject({ angle, ok: true, width: 900, height: 1600, format: 'jpeg', failures: [] });
    // Good samples score roughly 580 (profile) to 930 (front/back); the threshold is 100.
    expect(result.sharpness).toBeGreaterThan(thresholds.minSharpness * 3);
    expect(result.darkShare).toBeLessThan(0.05);
    expect(result.brightShare).toBeLessThan(0.05);
  });

  const badCases: Array<[SamplePhotoVariant, PhotoFailureCode, RegExp]> = [
    ['blurry', 'too_blurry', /too blurry/],
    ['dark', 'underexposed', /too dark/],
    ['overexposed', 'overexposed', /too bright/],
    ['landscape', 'not_portrait', /landscape/],
    ['tiny', 'too_small', /too small/],
  ];
  describe.each(badCases)('variant %s', (variant, code, wording) => {
    it.each(ANGLES)(`fails the %s photo with ${code}`, async (angle) => {
      const result = await assessPhoto(await makeSamplePhoto(angle, { variant }), angle, thresholds);
      expect(PhotoAssessmentSchema.parse(result)).toEqual(result);
      expect(result.ok).toBe(false);
      const failure = result.failures.find((f) => f.code === code);
      expect(failure, JSON.stringify(result.failures)).toBeDefined();
      expect(failure?.reason).toMatch(new RegExp(`^The ${angle} photo `));
      expect(failure?.reason).toMatch(wording);
    });
  });

  it('keeps the blurred samples far below the sharpness threshold', async () => {
    for (const angle of ANGLES) {
      const result = await assessPhoto(await makeSamplePhoto(angle, { variant: 'blurry' }), angle, thresholds);
      // Blurred samples score about 1-2.
      expect(result.sharpness).toBeLessThan(thresholds.minSharpness / 10);
    }
  });

  it('passes sharp, well-sized landscape and tiny samples on everything but their one defect', async () => {
    const landscape = await assessPhoto(await makeSamplePhoto('front', { variant: 'landscape' }), 'front', thresholds);
    expect(landscape.failures.map((f) => f.code)).toEqual(['not_portrait']);
    const tiny = await assessPhoto(await makeSamplePhoto('back', { variant: 'tiny' }), 'back', thresholds);
    expect(tiny.failures.map((f) => f.code)).toEqual(['too_small']);
    expect(tiny.failures[0]?.reason).toContain('480 x 640');
  });

  it('measures exposure clipping shares', async () => {
    const dark = await assessPhoto(await makeSamplePhoto('left', { variant: 'dark' }), 'left', thresholds);
    expect(dark.darkShare).toBeGreaterThan(0.9);
    expect(dark.failures.map((f) => f.code)).not.toContain('overexposed');
    const bright = await assessPhoto(await makeSamplePhoto('right', { variant: 'overexposed' }), 'right', thresholds);
    expect(bright.brightShare).toBeGreaterThan(0.9);
    expect(bright.failures.map((f) => f.code)).not.toContain('underexposed');
  });

  it('fails bytes that are not an image with unsupported_format and never throws', async () => {
    const result = await assessPhoto(makeNotAnImage(), 'left', thresholds);
    expect(PhotoAssessmentSchema.parse(result)).toEqual(result);
    expect(result).toMatchObject({ angle: 'left', ok: false, format: 'unknown', width: 0, height: 0 });
    expect(result.failures).toEqual([{ code: 'unsupported_format', reason: expect.stringMatching(/^The left photo /) }]);
    const empty = await assessPhoto(Buffer.alloc(0), 'right', thresholds);
    expect(empty.failures.map((f) => f.code)).toEqual(['unsupported_format']);
  });

  it('rejects a decodable image in an unsupported format (GIF)', async () => {
    const gif = await sharp(await makeSamplePhoto('front'))
      .gif()
      .toBuffer();
    const result = await assessPhoto(gif, 'front', thresholds);
    expect(result.format).toBe('gif');
    expect(result.failures.map((f) => f.code)).toEqual(['unsupported_format']);
  });

  it('rejects a truncated JPEG whose header still reads', async () => {
    const jpeg = await makeSamplePhoto('front');
    const result = await assessPhoto(jpeg.subarray(0, Math.floor(jpeg.length / 3)), 'front', thresholds);
    expect(result.ok).toBe(false);
    expect(result.failures.map((f) => f.code)).toEqual(['unsupported_format']);
  });

  it.each(['png', 'webp'] as const)('accepts %s', async (format) => {
    const bytes = await sharp(await makeSamplePhoto('back'))
      .toFormat(format)
      .toBuffer();
    const result = await assessPhoto(bytes, 'back', thresholds);
    expect(result).toMatchObject({ ok: true, format, width: 900, height: 1600 });
  });

  it('accepts a PNG with an alpha channel', async () => {
    const bytes = await sharp(await makeSamplePhoto('left'))
      .ensureAlpha()
      .png()
      .toBuffer();
    const result = await assessPhoto(bytes, 'left', thresholds);
    expect(result).toMatchObject({ ok: true, format: 'png' });
  });

  it('applies EXIF orientation: landscape pixels tagged orientation 6 count as portrait', async () => {
    const upright = await makeSamplePhoto('front');
    // Store the pixels turned a quarter counter-clockwise (1600x900) and tag orientation 6 ("rotate 90
    // clockwise to display"), as phone cameras do.
    const stored = await sharp(upright).rotate(270).withMetadata({ orientation: 6 }).jpeg({ quality: 90 }).toBuffer();
    const meta = await sharp(stored).metadata();
    expect([meta.width, meta.height, meta.orientation]).toEqual([1600, 900, 6]);

    const result = await assessPhoto(stored, 'front', thresholds);
    expect(result).toMatchObject({ ok: true, width: 900, height: 1600, failures: [] });
    const reference = await assessPhoto(upright, 'front', thresholds);
    // The grey copy is taken after orientation, so the measure matches the upright photo closely.
    expect(Math.abs(result.sharpness - reference.sharpness) / reference.sharpness).toBeLessThan(0.1);
  });

  it('honours custom thresholds', async () => {
    const photo = await makeSamplePhoto('front');
    const strict = PhotoQualityThresholdsSchema.parse({ minWidth: 1000, minSharpness: 1e6 });
    const result = await assessPhoto(photo, 'front', strict);
    expect(result.failures.map((f) => f.code)).toEqual(['too_small', 'too_blurry']);
  });

  // How fast is `npm run bench`'s question; a timed assertion here would fail on a busy machine by chance.
  it(`assesses a 12-megapixel JPEG on a grey copy of ${ANALYSIS_WIDTH}x${ANALYSIS_HEIGHT}`, async () => {
    const big = await sharp(await makeSamplePhoto('front'))
      .resize(3000, 4000)
      .jpeg({ quality: 90 })
      .toBuffer();
    const meta = await sharp(big).metadata();
    expect(meta.width * meta.height).toBe(12_000_000);
    const result = await assessPhoto(big, 'front', thresholds);
    expect(result).toMatchObject({ ok: true, width: 3000, height: 4000 });
  });
});

describe('assessScanPhotos', () => {
  let good: Record<Angle, Buffer>;
  beforeAll(async () => {
    good = await makeSampleScanPhotos();
  });

  it('passes four good photos', async () => {
    const result = await assessScanPhotos(good, thresholds);
    expect(ScanPhotoAssessmentSchema.parse(result)).toEqual(result);
    expect(result.ok).toBe(true);
    expect(result.failures).toEqual([]);
    expect(result.photos.map((p) => p.angle)).toEqual([...ANGLES]);
  });

  it('lists each failure with its angle', async () => {
    const photos = {
      ...good,
      left: await makeSamplePhoto('left', { variant: 'blurry' }),
      right: makeNotAnImage(),
    };
    const result = await assessScanPhotos(photos, thresholds);
    expect(result.ok).toBe(false);
    expect(result.photos.map((p) => p.ok)).toEqual([true, true, false, false]);
    expect(result.failures).toEqual([
      { angle: 'left', code: 'too_blurry', reason: expect.stringMatching(/^The left photo is too blurry/) },
      { angle: 'right', code: 'unsupported_format', reason: expect.stringMatching(/^The right photo /) },
    ]);
  });

  it('uses the default thresholds when none are given', async () => {
    const result = await assessScanPhotos(await makeSampleScanPhotos('tiny'));
    expect(result.failures.map((f) => [f.angle, f.code])).toEqual(ANGLES.map((a) => [a, 'too_small']));
  });
});

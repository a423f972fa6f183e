import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ANGLES } from '../../common/contracts/scan';
import { assessPhoto, assessScanPhotos } from '../../worker/domain/photo-quality';
import {
  makeNotAnImage,
  makeSamplePhoto,
  makeSampleScanPhotos,
  SAMPLE_EXIF,
  type SamplePhotoVariant,
  samplePhotoSvg,
} from './sample-photos';

describe('makeSamplePhoto', () => {
  it.each(ANGLES)('renders a 900x1600 portrait JPEG for %s', async (angle) => {
    const meta = await sharp(await makeSamplePhoto(angle)).metadata();
    expect(meta).toMatchObject({ format: 'jpeg', width: 900, height: 1600 });
  });

  it.each<[SamplePhotoVariant, number, number]>([
    ['good', 900, 1600],
    ['blurry', 900, 1600],
    ['dark', 900, 1600],
    ['overexposed', 900, 1600],
    ['landscape', 1600, 900],
    ['tiny', 300, 400],
  ])('variant %s is %ix%i', async (variant, width, height) => {
    const meta = await sharp(await makeSamplePhoto('front', { variant })).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', width, height]);
  });

  it('is deterministic', async () => {
    for (const variant of ['good', 'blurry'] as const) {
      const a = await makeSamplePhoto('left', { variant });
      const b = await makeSamplePhoto('left', { variant });
      expect(a.equals(b)).toBe(true);
    }
  });

  it('draws a different figure per angle: front/back symmetric, left/right mirrored profiles', async () => {
    const grey = async (angle: (typeof ANGLES)[number]) =>
      (
        await sharp(Buffer.from(samplePhotoSvg(angle, 90, 160)))
          .greyscale()
          .raw()
          .toBuffer()
      ).toString('hex');
    const [front, back, left, right] = await Promise.all(ANGLES.map(grey));
    expect(new Set([front, back, left, right]).size).toBe(4);
    expect(samplePhotoSvg('left', 900, 1600)).toContain('scale(-1 1)');
    expect(samplePhotoSvg('right', 900, 1600)).not.toContain('scale(-1 1)');
  });

  it('embeds EXIF (Make/Model) so a later stage can prove it strips metadata', async () => {
    const meta = await sharp(await makeSamplePhoto('front')).metadata();
    expect(meta.exif).toBeDefined();
    const exif = meta.exif!.toString('latin1');
    expect(exif).toContain(SAMPLE_EXIF.IFD0.Make);
    expect(exif).toContain(SAMPLE_EXIF.IFD0.Model);
  });

  it('makes a dark variant that is mostly black and an overexposed one that is mostly white', async () => {
    const stats = async (variant: SamplePhotoVariant) =>
      (
        await sharp(await makeSamplePhoto('back', { variant }))
          .greyscale()
          .stats()
      ).channels[0]!.mean;
    expect(await stats('dark')).toBeLessThan(6);
    expect(await stats('overexposed')).toBeGreaterThan(249);
    const good = await stats('good');
    expect(good).toBeGreaterThan(60);
    expect(good).toBeLessThan(220);
  });
});

describe('makeSampleScanPhotos', () => {
  it('returns all four angles', async () => {
    const photos = await makeSampleScanPhotos();
    expect(Object.keys(photos).sort()).toEqual([...ANGLES].sort());
    for (const angle of ANGLES) expect((await sharp(photos[angle]).metadata()).height).toBe(1600);
  });

  it('applies the variant to every angle', async () => {
    const photos = await makeSampleScanPhotos('landscape');
    for (const angle of ANGLES) expect((await sharp(photos[angle]).metadata()).width).toBe(1600);
  });
});

describe('makeNotAnImage', () => {
  it('returns bytes no image decoder accepts', async () => {
    const bytes = makeNotAnImage();
    expect(bytes.length).toBeGreaterThan(0);
    await expect(sharp(bytes).metadata()).rejects.toThrow();
  });
});

describe('samples against the quality check', () => {
  it('good samples pass for all four angles', async () => {
    const result = await assessScanPhotos(await makeSampleScanPhotos());
    expect(result.ok).toBe(true);
  });

  it.each<[SamplePhotoVariant, string]>([
    ['blurry', 'too_blurry'],
    ['dark', 'underexposed'],
    ['overexposed', 'overexposed'],
    ['landscape', 'not_portrait'],
    ['tiny', 'too_small'],
  ])('%s samples fail with %s and a reason naming the angle', async (variant, code) => {
    const result = await assessScanPhotos(await makeSampleScanPhotos(variant));
    expect(result.ok).toBe(false);
    for (const angle of ANGLES) {
      const failure = result.failures.find((f) => f.angle === angle && f.code === code);
      expect(failure?.reason).toMatch(new RegExp(`^The ${angle} photo `));
    }
  });

  it('not-an-image fails with unsupported_format', async () => {
    const result = await assessPhoto(makeNotAnImage(), 'back');
    expect(result.failures.map((f) => f.code)).toEqual(['unsupported_format']);
  });

  it('landscape pixels with EXIF orientation 6 count as portrait', async () => {
    const stored = await sharp(await makeSamplePhoto('right'))
      .rotate(270)
      .withMetadata({ orientation: 6 })
      .jpeg()
      .toBuffer();
    const result = await assessPhoto(stored, 'right');
    expect(result).toMatchObject({ ok: true, width: 900, height: 1600 });
  });
});

import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { DEFAULT_PHOTO_DIMENSION_LIMITS } from '../../common/photos/limits';
import { makeSamplePhoto } from '../../scripts/lib/sample-photos';
import { MODEL_IMAGE_MAX_EDGE, prepareImageForModel } from './images';

describe('prepareImageForModel', () => {
  it('strips EXIF, fits the bounded size, re-encodes JPEG and counts low-detail tokens', async () => {
    const raw = await makeSamplePhoto('front');
    expect((await sharp(raw).metadata()).exif).toBeDefined();
    const p = await prepareImageForModel('front', raw, DEFAULT_PHOTO_DIMENSION_LIMITS.maxPixels);
    const bytes = Buffer.from(p.dataUrl.replace(/^data:image\/jpeg;base64,/, ''), 'base64');
    const meta = await sharp(bytes).metadata();
    expect(meta.format).toBe('jpeg');
    expect(meta.exif).toBeUndefined();
    expect([meta.width, meta.height]).toEqual([p.width, p.height]);
    expect(Math.max(p.width, p.height)).toBe(MODEL_IMAGE_MAX_EDGE);
    expect(p).toMatchObject({ detail: 'low', tokens: 85, bytes: bytes.length });
  });

  it('applies the EXIF orientation before dropping it, and never enlarges', async () => {
    const small = await sharp({ create: { width: 200, height: 100, channels: 3, background: '#888' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const p = await prepareImageForModel('left', small, DEFAULT_PHOTO_DIMENSION_LIMITS.maxPixels);
    expect([p.width, p.height]).toEqual([100, 200]);
  });
});

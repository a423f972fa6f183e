import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { makeHugeSolidPng } from '../../scripts/lib/sample-photos';
import { boundDecoderResources, openPhoto } from './photo-decoder';
import { assessPhoto, DEFAULT_PHOTO_QUALITY_THRESHOLDS } from './photo-quality';

describe('the photo decoder', () => {
  it('refuses to decode a photo over the pixel limit, reading its header only', async () => {
    const bomb = await makeHugeSolidPng(9000, 16000);
    await expect(openPhoto(bomb, 40_000_000).raw().toBuffer()).rejects.toThrow(/exceeds pixel limit/);
    // The quality check's decode is capped too: the photo is unreadable to it, not decoded then judged blurry.
    const assessed = await assessPhoto(bomb, 'front', DEFAULT_PHOTO_QUALITY_THRESHOLDS, { maxPixels: 40_000_000, maxLongestSide: 12_000 });
    expect(assessed.failures.map((f) => f.code)).toEqual(['unsupported_format']);
    // Within the limit, the same kind of photo decodes.
    const small = await makeHugeSolidPng(300, 400);
    const { info } = await openPhoto(small, 40_000_000).raw().toBuffer({ resolveWithObject: true });
    expect({ width: info.width, height: info.height }).toEqual({ width: 300, height: 400 });
  });

  it('bounds the process: no operation cache, one thread per image', () => {
    boundDecoderResources();
    const cache = sharp.cache();
    expect({ memory: cache.memory.max, files: cache.files.max, items: cache.items.max }).toEqual({ memory: 0, files: 0, items: 0 });
    expect(sharp.concurrency()).toBe(1);
  });
});

import { describe, expect, it } from 'vitest';
import type { HeaderReading } from '../../common/photos/image-header';
import { checkPhoto } from './photo-check';

const limits = { maxBytes: 10_000, maxPixels: 40_000_000, maxLongestSide: 12_000 };
const jpeg: HeaderReading = { kind: 'dimensions', format: 'jpeg', width: 3024, height: 4032 };
const png: HeaderReading = { kind: 'dimensions', format: 'png', width: 900, height: 1600 };

describe('checkPhoto', () => {
  const base = { angle: 'front' as const, contentType: 'image/jpeg', size: 1000, header: jpeg };
  it('accepts a JPEG declared as image/jpeg (parameters and case ignored)', () => {
    expect(checkPhoto(base, limits)).toBeUndefined();
    expect(checkPhoto({ ...base, contentType: 'IMAGE/JPEG; foo=bar' }, limits)).toBeUndefined();
    expect(checkPhoto({ ...base, contentType: 'image/png', header: png }, limits)).toBeUndefined();
  });
  it('names the problem with a member-facing reason', () => {
    expect(checkPhoto({ ...base, size: 0 }, limits)?.code).toBe('empty_photo');
    expect(checkPhoto({ ...base, size: 20_000, header: undefined }, limits)?.code).toBe('photo_too_large');
    expect(checkPhoto({ ...base, header: { kind: 'malformed', reason: 'not a JPEG, PNG or WebP header' } }, limits)?.code).toBe(
      'not_an_image',
    );
    expect(checkPhoto({ ...base, contentType: 'application/octet-stream' }, limits)?.code).toBe('unsupported_content_type');
    expect(checkPhoto({ ...base, contentType: undefined }, limits)?.code).toBe('unsupported_content_type');
    expect(checkPhoto({ ...base, contentType: 'image/png' }, limits)).toMatchObject({
      code: 'content_type_mismatch',
      angle: 'front',
      reason: expect.stringContaining('front'),
    });
  });
  it('a damaged or truncated header of an accepted format is not an image, with its own reason', () => {
    const damaged = checkPhoto(
      { ...base, header: { kind: 'malformed', format: 'jpeg', reason: 'the file ends inside its header' } },
      limits,
    );
    expect(damaged).toMatchObject({ code: 'not_an_image', reason: 'The front photo is damaged or incomplete. Please upload it again.' });
  });
  it('refuses a photo over the pixel count or the longest side, from its header, naming both limits', () => {
    const over = (width: number, height: number) => checkPhoto({ ...base, header: { ...jpeg, width, height } }, limits);
    expect(over(9000, 16000)).toEqual({
      angle: 'front',
      code: 'photo_dimensions_too_large',
      reason:
        'The front photo is 9000 x 16000 pixels, larger than we accept (at most 40 megapixels and 12000 pixels on the longest side). ' +
        "Please take it with your camera's standard photo setting.",
    });
    expect(over(12_001, 100)?.code).toBe('photo_dimensions_too_large'); // 1.2 MP, but one side too long
    expect(over(100, 12_001)?.code).toBe('photo_dimensions_too_large');
    expect(over(6400, 6251)?.code).toBe('photo_dimensions_too_large'); // 40,006,400 pixels, each side within
    expect(over(12_000, 3333)).toBeUndefined(); // 39,996,000 pixels, the longest side exactly at the limit
    expect(over(8000, 5000)).toBeUndefined(); // exactly 40 MP
  });
});

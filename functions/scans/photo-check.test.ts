import { describe, expect, it } from 'vitest';
import { checkPhoto, sniffImageFormat } from './photo-check';

const jpeg = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46, 0x49, 0x46, 0, 1]);
const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]);
const webp = Uint8Array.from([...Buffer.from('RIFF'), 1, 2, 3, 4, ...Buffer.from('WEBP')]);

describe('sniffImageFormat', () => {
  it('recognises JPEG, PNG and WebP by their magic bytes', () => {
    expect(sniffImageFormat(jpeg)).toBe('jpeg');
    expect(sniffImageFormat(png)).toBe('png');
    expect(sniffImageFormat(webp)).toBe('webp');
  });
  it('rejects anything else, including truncated headers', () => {
    expect(sniffImageFormat(Buffer.from('This is not an image'))).toBeUndefined();
    expect(sniffImageFormat(Uint8Array.from([0xff, 0xd8]))).toBeUndefined();
    expect(sniffImageFormat(Buffer.from('GIF89a......'))).toBeUndefined();
    expect(sniffImageFormat(Uint8Array.from([...Buffer.from('RIFF'), 1, 2, 3, 4, ...Buffer.from('WAVE')]))).toBeUndefined();
    expect(sniffImageFormat(new Uint8Array(0))).toBeUndefined();
  });
});

describe('checkPhoto', () => {
  const base = { angle: 'front' as const, contentType: 'image/jpeg', size: 1000, head: jpeg };
  it('accepts a JPEG declared as image/jpeg (parameters and case ignored)', () => {
    expect(checkPhoto(base, 10_000)).toBeUndefined();
    expect(checkPhoto({ ...base, contentType: 'IMAGE/JPEG; foo=bar' }, 10_000)).toBeUndefined();
    expect(checkPhoto({ ...base, contentType: 'image/png', head: png }, 10_000)).toBeUndefined();
  });
  it('names the problem with a member-facing reason', () => {
    expect(checkPhoto({ ...base, size: 0 }, 10_000)?.code).toBe('empty_photo');
    expect(checkPhoto({ ...base, size: 20_000 }, 10_000)?.code).toBe('photo_too_large');
    expect(checkPhoto({ ...base, head: Buffer.from('hello world!') }, 10_000)?.code).toBe('not_an_image');
    expect(checkPhoto({ ...base, contentType: 'application/octet-stream' }, 10_000)?.code).toBe('unsupported_content_type');
    expect(checkPhoto({ ...base, contentType: undefined }, 10_000)?.code).toBe('unsupported_content_type');
    expect(checkPhoto({ ...base, contentType: 'image/png' }, 10_000)).toMatchObject({
      code: 'content_type_mismatch',
      angle: 'front',
      reason: expect.stringContaining('front'),
    });
  });
});

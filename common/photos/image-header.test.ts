import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { makeHugeSolidPng, makeNotAnImage, makeSamplePhoto } from '../../scripts/lib/sample-photos';
import { MAGIC_BYTES_NEEDED, MAX_HEADER_BYTES, readImageHeader, sniffImageFormat } from './image-header';
import { readStoredImageHeader } from './limits';

// The header reader against real files written by libvips (sharp), the decoder the worker uses, in
// every accepted format and layout: what it reads must be what the decoder would allocate.

const solid = (width: number, height: number, channels: 3 | 4 = 3) =>
  sharp({ create: { width, height, channels, background: channels === 4 ? '#80808080' : '#808080' } });

/** A JPEG with one more APPn segment of `bytes` right after SOI: metadata before the frame header, as phones write. */
function withAppSegment(jpeg: Buffer, bytes: number, marker = 0xef): Buffer {
  const segment = Buffer.alloc(4 + bytes, 0x41);
  segment.set([0xff, marker], 0);
  segment.writeUInt16BE(bytes + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), segment, jpeg.subarray(2)]);
}

let files: Array<{ name: string; bytes: Buffer; format: 'jpeg' | 'png' | 'webp' }>;

beforeAll(async () => {
  const baseline = await solid(123, 457).jpeg().toBuffer();
  files = [
    { name: 'PNG, RGB', bytes: await solid(640, 480).png().toBuffer(), format: 'png' },
    { name: 'PNG, RGBA 16-bit', bytes: await solid(33, 17, 4).png().toColourspace('rgb16').toBuffer(), format: 'png' },
    { name: 'PNG, palette, interlaced', bytes: await solid(300, 200).png({ palette: true, progressive: true }).toBuffer(), format: 'png' },
    { name: 'JPEG, baseline (SOF0)', bytes: baseline, format: 'jpeg' },
    { name: 'JPEG, progressive (SOF2)', bytes: await solid(1001, 77).jpeg({ progressive: true }).toBuffer(), format: 'jpeg' },
    { name: 'JPEG, sample photo with EXIF (APP1)', bytes: await makeSamplePhoto('front'), format: 'jpeg' },
    {
      name: 'JPEG, EXIF orientation 6 (dimensions as stored)',
      bytes: await solid(40, 30).withMetadata({ orientation: 6 }).jpeg().toBuffer(),
      format: 'jpeg',
    },
    { name: 'JPEG, ICC profile (APP2)', bytes: await solid(64, 48).withIccProfile('p3').jpeg().toBuffer(), format: 'jpeg' },
    { name: 'JPEG, 60 kB of metadata before the frame', bytes: withAppSegment(baseline, 60_000), format: 'jpeg' },
    { name: 'JPEG, metadata past the first read', bytes: withAppSegment(withAppSegment(baseline, 65_000), 65_000, 0xe1), format: 'jpeg' },
    { name: 'JPEG, grey, 1x1', bytes: await solid(1, 1).greyscale().jpeg().toBuffer(), format: 'jpeg' },
    { name: 'WebP, lossy (VP8)', bytes: await solid(501, 333).webp().toBuffer(), format: 'webp' },
    { name: 'WebP, lossless (VP8L)', bytes: await solid(16383, 2).webp({ lossless: true }).toBuffer(), format: 'webp' },
    { name: 'WebP, lossy with alpha (VP8X)', bytes: await solid(250, 251, 4).webp().toBuffer(), format: 'webp' },
    {
      name: 'WebP, with ICC profile (VP8X)',
      bytes: await solid(70, 90).withIccProfile('p3').webp({ lossless: true }).toBuffer(),
      format: 'webp',
    },
    { name: 'PNG, 9000 x 16000 in 140 kB', bytes: await makeHugeSolidPng(9000, 16000), format: 'png' },
  ];
});

describe('readImageHeader', () => {
  it('reads the format and the dimensions libvips reads, from every accepted format and layout', async () => {
    for (const f of files) {
      const meta = await sharp(f.bytes, { limitInputPixels: false }).metadata();
      expect(readImageHeader(f.bytes), f.name).toEqual({ kind: 'dimensions', format: f.format, width: meta.width, height: meta.height });
      expect(meta.format, f.name).toBe(f.format);
    }
  });

  it('asks for more, never guesses, when given any prefix that ends inside the header', () => {
    for (const f of files) {
      // Where the header ends: the shortest prefix that gives the dimensions.
      let end = MAGIC_BYTES_NEEDED;
      while (end < f.bytes.length && readImageHeader(f.bytes.subarray(0, end)).kind !== 'dimensions') end++;
      for (let n = MAGIC_BYTES_NEEDED; n < end; n++) {
        const reading = readImageHeader(f.bytes.subarray(0, n));
        expect(reading.kind, `${f.name} at ${n}`).toBe('need_more');
        if (reading.kind === 'need_more') {
          expect(reading.bytes, `${f.name} at ${n}`).toBeGreaterThan(n);
          expect(reading.bytes, `${f.name} at ${n}`).toBeLessThanOrEqual(end);
        }
      }
    }
  });

  it('refuses what is not an accepted format, or too short to tell', () => {
    for (const bytes of [
      makeNotAnImage(),
      Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00'),
      Buffer.from([0xff, 0xd8]),
      Buffer.from('RIFF\x10\x00\x00\x00WAVEfmt '),
      Buffer.alloc(0),
      Buffer.from([0x00, 0x00, 0x00, 0x0c, 0x66, 0x74, 0x79, 0x70, 0x68, 0x65, 0x69, 0x63]), // HEIC (ftypheic): not accepted
    ]) {
      expect(readImageHeader(bytes)).toEqual({ kind: 'malformed', reason: 'not a JPEG, PNG or WebP header' });
      expect(sniffImageFormat(bytes)).toBeUndefined();
    }
  });

  describe('malformed headers of an accepted format', () => {
    const png = () => files.find((f) => f.name === 'PNG, RGB')!.bytes;
    const jpeg = () => files.find((f) => f.name === 'JPEG, baseline (SOF0)')!.bytes;
    const webp = (name: string) => files.find((f) => f.name === name)!.bytes;
    const edited = (b: Buffer, at: number, bytes: number[]) => {
      const copy = Buffer.from(b);
      copy.set(bytes, at);
      return copy;
    };
    const malformed = (bytes: Uint8Array) => expect(readImageHeader(bytes)).toMatchObject({ kind: 'malformed' });

    it('PNG: a first chunk that is not a 13-byte IHDR, a zero or over-2^31 side', () => {
      malformed(edited(png(), 12, [...Buffer.from('IDAT')]));
      malformed(edited(png(), 8, [0, 0, 0, 14]));
      malformed(edited(png(), 16, [0, 0, 0, 0]));
      malformed(edited(png(), 20, [0x80, 0, 0, 0]));
    });

    it('JPEG: no marker where one must be, a scan or end before any frame, a bad segment length, a zero side', () => {
      malformed(edited(jpeg(), 2, [0x12, 0x34]));
      malformed(Buffer.from([0xff, 0xd8, 0xff, 0xda, 0x00, 0x08, 0, 0, 0, 0, 0, 0, 0, 0]));
      malformed(Buffer.from([0xff, 0xd8, 0xff, 0xd9, 0, 0, 0, 0, 0, 0, 0, 0]));
      malformed(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x01, 0, 0, 0, 0, 0, 0]));
      malformed(Buffer.from([0xff, 0xd8, 0xff, 0xc0, 0x00, 0x05, 8, 0, 1, 0, 1, 0]));
      // Height 0 (deferred to a DNL marker, which libjpeg does not support) and width 0.
      malformed(Buffer.from([0xff, 0xd8, 0xff, 0xc0, 0x00, 0x0b, 8, 0x00, 0x00, 0x00, 0x10, 1, 1, 0x11, 0]));
      malformed(Buffer.from([0xff, 0xd8, 0xff, 0xc0, 0x00, 0x0b, 8, 0x00, 0x10, 0x00, 0x00, 1, 1, 0x11, 0]));
    });

    it('JPEG: fill bytes before a marker are allowed; a frame header is found after them', () => {
      const filled = Buffer.from([0xff, 0xd8, 0xff, 0xff, 0xff, 0xc0, 0x00, 0x0b, 8, 0x00, 0x20, 0x00, 0x30, 1, 1, 0x11, 0]);
      expect(readImageHeader(filled)).toEqual({ kind: 'dimensions', format: 'jpeg', width: 0x30, height: 0x20 });
    });

    it('WebP: an unknown first chunk, a VP8 without its start code or not a key frame, a VP8L with a bad signature or version', () => {
      const lossy = webp('WebP, lossy (VP8)');
      const lossless = webp('WebP, lossless (VP8L)');
      malformed(edited(lossy, 12, [...Buffer.from('ALPH')]));
      malformed(edited(lossy, 23, [0x9d, 0x01, 0x2b]));
      malformed(edited(lossy, 20, [lossy[20]! | 1]));
      malformed(edited(lossy, 16, [4, 0, 0, 0]));
      malformed(edited(lossless, 20, [0x2e]));
      malformed(edited(lossless, 24, [lossless[24]! | 0x20]));
    });
  });

  it('never throws, whatever follows the magic bytes (a seeded sweep of random headers)', () => {
    let seed = 22;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const magics = [
      [0xff, 0xd8, 0xff],
      [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, ...Buffer.from('IHDR')],
      ...['VP8 ', 'VP8L', 'VP8X'].map((chunk) => [...Buffer.from(`RIFF\0\0\0\0WEBP${chunk}`)]),
    ];
    for (let i = 0; i < 3000; i++) {
      const magic = magics[i % magics.length]!;
      const bytes = Buffer.alloc(magic.length + Math.floor(random() * 64));
      bytes.set(magic, 0);
      for (let j = magic.length; j < bytes.length; j++) bytes[j] = Math.floor(random() * 256);
      const reading = readImageHeader(bytes);
      expect(['dimensions', 'need_more', 'malformed']).toContain(reading.kind);
      if (reading.kind === 'dimensions') expect(Math.min(reading.width, reading.height)).toBeGreaterThan(0);
      if (reading.kind === 'need_more') expect(reading.bytes).toBeGreaterThan(bytes.length);
    }
  });
});

describe('readStoredImageHeader', () => {
  /** A stored file read by prefix, as the upload check reads a blob: records every length asked for. */
  const stored = (bytes: Buffer) => {
    const reads: number[] = [];
    return {
      reads,
      read: async (n: number) => {
        reads.push(n);
        return bytes.subarray(0, n);
      },
    };
  };

  it('reads a PNG or WebP header from the first read, a JPEG with large metadata with a few more', async () => {
    for (const f of files) {
      const s = stored(f.bytes);
      const reading = await readStoredImageHeader(f.bytes.length, s.read);
      expect(reading, f.name).toEqual(readImageHeader(f.bytes));
      expect(s.reads.length, f.name).toBeLessThanOrEqual(f.format === 'jpeg' ? 5 : 1);
      expect(Math.max(...s.reads), f.name).toBeLessThanOrEqual(Math.min(f.bytes.length, MAX_HEADER_BYTES));
    }
    const far = stored(files.find((f) => f.name === 'JPEG, metadata past the first read')!.bytes);
    await readStoredImageHeader(200_000, far.read);
    expect(far.reads.length).toBeGreaterThan(1);
  });

  it('a file that ends inside its header, or whose frame header is past MAX_HEADER_BYTES, is malformed', async () => {
    const jpeg = files.find((f) => f.name === 'JPEG, baseline (SOF0)')!.bytes;
    const cut = jpeg.subarray(0, 40);
    expect(await readStoredImageHeader(cut.length, stored(cut).read)).toMatchObject({ kind: 'malformed', format: 'jpeg' });
    // 17 segments of 64 KiB of metadata: the frame header lies past 1 MiB. Nothing past 1 MiB is read.
    let padded = jpeg;
    for (let i = 0; i < 17; i++) padded = withAppSegment(padded, 65_000);
    const s = stored(padded);
    expect(await readStoredImageHeader(padded.length, s.read)).toMatchObject({ kind: 'malformed', format: 'jpeg' });
    expect(Math.max(...s.reads)).toBeLessThanOrEqual(MAX_HEADER_BYTES);
  });

  it('a blob shorter than its stated size (changed between reads) is malformed, not read forever', async () => {
    const jpeg = withAppSegment(files.find((f) => f.name === 'JPEG, baseline (SOF0)')!.bytes, 60_000);
    const short = jpeg.subarray(0, 20_000);
    expect(await readStoredImageHeader(jpeg.length, async (n) => short.subarray(0, n))).toMatchObject({ kind: 'malformed' });
  });
});

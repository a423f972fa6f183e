import { pipeline } from 'node:stream/promises';
import { constants, crc32, createDeflate } from 'node:zlib';
import sharp from 'sharp';
import { ANGLES, type Angle } from '../../common/contracts/scan';

// Synthetic sample scan photos for demos and tests: an SVG mannequin on a tiled backdrop, rendered by
// sharp. No real person's photo is ever used. Fully deterministic (no randomness at all).

export type SamplePhotoVariant = 'good' | 'blurry' | 'dark' | 'overexposed' | 'landscape' | 'tiny';
export interface SamplePhotoOptions {
  variant?: SamplePhotoVariant;
}

/** Every sample carries this EXIF so a later stage can prove it strips metadata before sharing photos. */
export const SAMPLE_EXIF = { IFD0: { Make: 'ReddyFit', Model: 'SampleCam' } } as const;

const SIZES: Record<SamplePhotoVariant, { width: number; height: number }> = {
  good: { width: 900, height: 1600 },
  blurry: { width: 900, height: 1600 },
  dark: { width: 900, height: 1600 },
  overexposed: { width: 900, height: 1600 },
  landscape: { width: 1600, height: 900 },
  tiny: { width: 300, height: 400 },
};

/** Horizontal clothing stripes clipped to a shape: alternating colours every `step` pixels. */
function stripes(id: string, colours: readonly [string, string], step: number): string {
  return (
    `<pattern id="${id}" patternUnits="userSpaceOnUse" width="${step * 2}" height="${step * 2}">` +
    `<rect width="${step * 2}" height="${step}" fill="${colours[0]}"/>` +
    `<rect y="${step}" width="${step * 2}" height="${step}" fill="${colours[1]}"/>` +
    `</pattern>`
  );
}

/** The mannequin in a 900x1600 frame, feet near the bottom; front/back symmetric, left/right in profile. */
function figure(angle: Angle): string {
  const skin = '#b98a6a';
  const hair = '#3b2a20';
  if (angle === 'front' || angle === 'back') {
    const face =
      angle === 'front'
        ? `<circle cx="425" cy="225" r="9" fill="#2b1d16"/><circle cx="475" cy="225" r="9" fill="#2b1d16"/>` +
          `<rect x="430" y="268" width="40" height="8" rx="4" fill="#7a3b2e"/>`
        : `<path d="M385 215 Q450 150 515 215 L515 250 Q450 290 385 250 Z" fill="${hair}"/>`;
    return (
      // legs
      `<rect x="370" y="880" width="75" height="560" rx="30" fill="url(#trousers)"/>` +
      `<rect x="455" y="880" width="75" height="560" rx="30" fill="url(#trousers)"/>` +
      `<ellipse cx="400" cy="1450" rx="55" ry="22" fill="#1d1d1d"/><ellipse cx="500" cy="1450" rx="55" ry="22" fill="#1d1d1d"/>` +
      // arms (slight A-pose)
      `<rect x="270" y="390" width="60" height="470" rx="28" fill="${skin}" transform="rotate(12 300 400)"/>` +
      `<rect x="570" y="390" width="60" height="470" rx="28" fill="${skin}" transform="rotate(-12 600 400)"/>` +
      `<rect x="272" y="390" width="60" height="180" rx="28" fill="url(#shirt)" transform="rotate(12 300 400)"/>` +
      `<rect x="568" y="390" width="60" height="180" rx="28" fill="url(#shirt)" transform="rotate(-12 600 400)"/>` +
      // torso
      `<path d="M330 380 Q450 340 570 380 L545 900 L355 900 Z" fill="url(#shirt)"/>` +
      `<rect x="355" y="860" width="190" height="60" fill="#20252e"/>` +
      // neck and head
      `<rect x="420" y="300" width="60" height="70" fill="${skin}"/>` +
      `<circle cx="450" cy="235" r="75" fill="${skin}"/>` +
      `<path d="M378 215 Q450 135 522 215 Q450 180 378 215 Z" fill="${hair}"/>` +
      face
    );
  }
  // Profile: a narrower body facing left or right (mirrored about the centre line).
  const mirror = angle === 'right' ? '' : ' transform="translate(900 0) scale(-1 1)"';
  return (
    `<g${mirror}>` +
    `<rect x="405" y="880" width="80" height="560" rx="30" fill="url(#trousers)"/>` +
    `<ellipse cx="470" cy="1450" rx="65" ry="22" fill="#1d1d1d"/>` +
    `<path d="M395 380 Q450 350 510 385 L505 900 L400 900 Z" fill="url(#shirt)"/>` +
    `<rect x="400" y="860" width="105" height="60" fill="#20252e"/>` +
    `<rect x="425" y="395" width="55" height="460" rx="26" fill="${skin}"/>` +
    `<rect x="425" y="395" width="55" height="175" rx="26" fill="url(#sleeve)"/>` +
    `<rect x="425" y="300" width="50" height="70" fill="${skin}"/>` +
    `<circle cx="450" cy="235" r="72" fill="${skin}"/>` +
    `<path d="M515 225 L538 250 L515 258 Z" fill="${skin}"/>` +
    `<circle cx="490" cy="222" r="8" fill="#2b1d16"/>` +
    `<path d="M378 240 Q380 150 470 160 Q420 185 410 260 Z" fill="${hair}"/>` +
    `</g>`
  );
}

/** The full scene as SVG at the given pixel size; the 900x1600 figure is scaled to fit and centred. */
export function samplePhotoSvg(angle: Angle, width: number, height: number): string {
  const scale = Math.min(width / 900, height / 1600);
  const dx = (width - 900 * scale) / 2;
  const dy = (height - 1600 * scale) / 2;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<defs>` +
    // Light tiled backdrop with grout lines: fine, high-contrast-enough texture for a crisp photo.
    `<pattern id="tiles" patternUnits="userSpaceOnUse" width="48" height="48">` +
    `<rect width="48" height="48" fill="#e9e5dc"/>` +
    `<rect width="24" height="24" fill="#d5cfc2"/><rect x="24" y="24" width="24" height="24" fill="#d5cfc2"/>` +
    `<path d="M0 0.5 H48 M0.5 0 V48" stroke="#b7afa0" stroke-width="2"/>` +
    `</pattern>` +
    stripes('shirt', ['#2f6db5', '#f1f1f1'], 14) +
    stripes('sleeve', ['#2f6db5', '#f1f1f1'], 14) +
    stripes('trousers', ['#2a3342', '#6b7890'], 18) +
    `</defs>` +
    `<rect width="${width}" height="${height}" fill="url(#tiles)"/>` +
    `<rect y="${height * 0.93}" width="${width}" height="${height * 0.07}" fill="#a89f8f"/>` +
    `<g transform="translate(${dx} ${dy}) scale(${scale})">${figure(angle)}</g>` +
    `</svg>`
  );
}

/** A synthetic JPEG scan photo for one angle; `good` is 900x1600 portrait and passes the quality check. */
export async function makeSamplePhoto(angle: Angle, options: SamplePhotoOptions = {}): Promise<Buffer> {
  const variant = options.variant ?? 'good';
  const { width, height } = SIZES[variant];
  let image = sharp(Buffer.from(samplePhotoSvg(angle, width, height))).flatten({ background: '#ffffff' });
  switch (variant) {
    case 'blurry':
      image = image.blur(18);
      break;
    case 'dark':
      // Nearly black: every level lands in 0..4.
      image = image.linear(0.015, 0);
      break;
    case 'overexposed':
      // Nearly white: every level lands in 251..255.
      image = image.linear(0.015, 251);
      break;
    default:
      break;
  }
  return image.jpeg({ quality: 90 }).withExif(SAMPLE_EXIF).toBuffer();
}

/** All four angles of one synthetic scan. */
export async function makeSampleScanPhotos(variant: SamplePhotoVariant = 'good'): Promise<Record<Angle, Buffer>> {
  const buffers = await Promise.all(ANGLES.map((angle) => makeSamplePhoto(angle, { variant })));
  const out = {} as Record<Angle, Buffer>;
  ANGLES.forEach((angle, i) => {
    const buffer = buffers[i];
    if (!buffer) throw new Error(`no sample photo for ${angle}`);
    out[angle] = buffer;
  });
  return out;
}

/** Bytes that are not an image in any format (plain text). */
export function makeNotAnImage(): Buffer {
  return Buffer.from('This is not an image. It is a plain text file uploaded by mistake.\n', 'utf8');
}

/**
 * A valid PNG of width x height in one grey level whose file is small: its all-zero rows deflate about
 * 1000:1 (a 9000 x 16000 image is some 140 kB), what a decompression bomb looks like to an upload check.
 * Decoded, it is width x height bytes of pixels. The rows are streamed, never held in memory at once.
 */
export async function makeHugeSolidPng(width: number, height: number): Promise<Buffer> {
  const row = Buffer.alloc(width + 1); // filter byte 0 + one byte per grey pixel, all zero
  const compressed: Buffer[] = [];
  await pipeline(
    function* () {
      for (let y = 0; y < height; y++) yield row;
    },
    createDeflate({ strategy: constants.Z_RLE }),
    async (stream: AsyncIterable<Buffer>) => {
      for await (const chunk of stream) compressed.push(chunk);
    },
  );
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // bit depth 8, greyscale, deflate, adaptive filtering, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', Buffer.concat(compressed)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

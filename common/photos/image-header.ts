// What an accepted photo's header says, read from its first bytes without decoding a pixel: the format
// (magic bytes) and the pixel dimensions (PNG IHDR, JPEG start-of-frame, WebP VP8/VP8L/VP8X). The upload
// check and the worker both size a photo with this before any decoder sees it, so a small file that
// declares a huge image (a "decompression bomb") is refused without the cost of decoding it.
// The npm package `image-size` does this job but is not a dependency; these three formats are small and
// fully specified (PNG: ISO/IEC 15948 §11.2.2; JPEG: ITU-T T.81 §B.2; WebP: RFC 9649 §2.5-2.7).

export type ImageFormat = 'jpeg' | 'png' | 'webp';

/** Bytes needed to recognise every accepted format. */
export const MAGIC_BYTES_NEEDED = 12;

/**
 * A header is looked for in at most this many leading bytes. JPEG metadata segments (EXIF with its
 * thumbnail, ICC profile, XMP, MPF) come before the frame header; each is at most 64 KiB and a phone
 * writes a handful, so a real photo's frame header lies well inside this.
 */
export const MAX_HEADER_BYTES = 1 << 20;

/** What the first bytes of a file say. */
export type HeaderReading =
  | { kind: 'dimensions'; format: ImageFormat; width: number; height: number }
  /** The header goes on past the bytes given: read at least `bytes` leading bytes and ask again. */
  | { kind: 'need_more'; format: ImageFormat; bytes: number }
  | { kind: 'malformed'; format?: ImageFormat; reason: string };

/** The image format the first bytes announce, or undefined when they are none of JPEG, PNG, WebP. */
export function sniffImageFormat(head: Uint8Array): ImageFormat | undefined {
  const b = (i: number) => head[i];
  if (head.length >= 3 && b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff) return 'jpeg';
  if (head.length >= 8 && PNG_SIGNATURE.every((v, i) => b(i) === v)) return 'png';
  if (head.length >= 12 && ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return 'webp';
  return undefined;
}

/**
 * Format and pixel dimensions (as stored, before any EXIF rotation) from a file's leading bytes.
 * `need_more` when the header continues past `head` (read more and call again, up to MAX_HEADER_BYTES);
 * `malformed` when the bytes are not a well-formed header of an accepted format.
 */
export function readImageHeader(head: Uint8Array): HeaderReading {
  const format = sniffImageFormat(head);
  if (!format) return { kind: 'malformed', reason: 'not a JPEG, PNG or WebP header' };
  const reading = format === 'png' ? readPng(head) : format === 'jpeg' ? readJpeg(head) : readWebp(head);
  if (reading.kind === 'dimensions' && (reading.width < 1 || reading.height < 1)) {
    return { kind: 'malformed', format, reason: `zero-sized image ${reading.width}x${reading.height}` };
  }
  return reading;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const ascii = (b: Uint8Array, from: number, to: number) => String.fromCharCode(...b.subarray(from, to));
/** The byte at i; callers check lengths first, so the fallback never applies (it spares a non-null assertion). */
const at = (b: Uint8Array, i: number) => b[i] ?? 0;
const u16be = (b: Uint8Array, i: number) => (at(b, i) << 8) | at(b, i + 1);
const u16le = (b: Uint8Array, i: number) => at(b, i) | (at(b, i + 1) << 8);
const u24le = (b: Uint8Array, i: number) => at(b, i) | (at(b, i + 1) << 8) | (at(b, i + 2) << 16);
const u32be = (b: Uint8Array, i: number) => at(b, i) * 2 ** 24 + ((at(b, i + 1) << 16) | (at(b, i + 2) << 8) | at(b, i + 3));
const u32le = (b: Uint8Array, i: number) => u24le(b, i) + at(b, i + 3) * 2 ** 24;

/** PNG: the signature, then the IHDR chunk (length 13) first: width and height as 31-bit big-endian. */
function readPng(b: Uint8Array): HeaderReading {
  if (b.length < 24) return { kind: 'need_more', format: 'png', bytes: 24 };
  if (u32be(b, 8) !== 13 || ascii(b, 12, 16) !== 'IHDR') return { kind: 'malformed', format: 'png', reason: 'first chunk is not IHDR' };
  const width = u32be(b, 16);
  const height = u32be(b, 20);
  if (width > 0x7fffffff || height > 0x7fffffff) return { kind: 'malformed', format: 'png', reason: 'dimension over 2^31-1' };
  return { kind: 'dimensions', format: 'png', width, height };
}

/** JPEG start-of-frame markers (SOF0-SOF15 except DHT C4, JPG C8 and DAC CC): they carry the frame size. */
const isStartOfFrame = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/**
 * JPEG: walk the marker segments from SOI to the first start-of-frame (libjpeg reads only the first; a
 * second is an error there). Each segment's length is read and its body skipped, so only the frame
 * header's bytes matter, however large the metadata before it.
 */
function readJpeg(b: Uint8Array): HeaderReading {
  let i = 2; // after SOI (FF D8)
  for (;;) {
    if (i + 2 > b.length) return { kind: 'need_more', format: 'jpeg', bytes: i + 2 };
    if (b[i] !== 0xff) return { kind: 'malformed', format: 'jpeg', reason: `no marker at byte ${i}` };
    // Any number of FF fill bytes may precede a marker (T.81 §B.1.1.2).
    let m = at(b, i + 1);
    while (m === 0xff) {
      i++;
      if (i + 2 > b.length) return { kind: 'need_more', format: 'jpeg', bytes: i + 2 };
      m = at(b, i + 1);
    }
    i += 2;
    // Markers without a length: TEM and RSTn (not expected before a frame, but harmless).
    if (m === 0x01 || (m >= 0xd0 && m <= 0xd7)) continue;
    if (m === 0x00 || m === 0xd8 || m === 0xd9 || m === 0xda) {
      return { kind: 'malformed', format: 'jpeg', reason: `marker ${m.toString(16)} before a frame header` };
    }
    if (i + 2 > b.length) return { kind: 'need_more', format: 'jpeg', bytes: i + 2 };
    const length = u16be(b, i);
    if (length < 2) return { kind: 'malformed', format: 'jpeg', reason: `segment length ${length}` };
    if (isStartOfFrame(m)) {
      // Lf (2), P (1), Y = lines (2), X = samples per line (2).
      if (length < 8) return { kind: 'malformed', format: 'jpeg', reason: 'short frame header' };
      if (i + 7 > b.length) return { kind: 'need_more', format: 'jpeg', bytes: i + 7 };
      // Y = 0 defers the height to a DNL marker after the first scan, which libjpeg does not support.
      return { kind: 'dimensions', format: 'jpeg', width: u16be(b, i + 5), height: u16be(b, i + 3) };
    }
    i += length;
  }
}

/**
 * WebP: RIFF 'WEBP', then the first chunk is 'VP8 ' (lossy key frame: 14-bit sizes after the start
 * code), 'VP8L' (lossless: 14-bit sizes minus one after the 0x2F signature) or 'VP8X' (extended: the
 * 24-bit canvas size minus one, which is what a decoder allocates).
 */
function readWebp(b: Uint8Array): HeaderReading {
  if (b.length < 30) return { kind: 'need_more', format: 'webp', bytes: 30 };
  const chunk = ascii(b, 12, 16);
  const chunkSize = u32le(b, 16);
  const p = 20; // chunk payload
  if (chunk === 'VP8 ') {
    if (chunkSize < 10) return { kind: 'malformed', format: 'webp', reason: 'short VP8 chunk' };
    if ((at(b, p) & 1) !== 0) return { kind: 'malformed', format: 'webp', reason: 'VP8 first frame is not a key frame' };
    if (b[p + 3] !== 0x9d || b[p + 4] !== 0x01 || b[p + 5] !== 0x2a)
      return { kind: 'malformed', format: 'webp', reason: 'no VP8 start code' };
    return { kind: 'dimensions', format: 'webp', width: u16le(b, p + 6) & 0x3fff, height: u16le(b, p + 8) & 0x3fff };
  }
  if (chunk === 'VP8L') {
    if (chunkSize < 5) return { kind: 'malformed', format: 'webp', reason: 'short VP8L chunk' };
    if (b[p] !== 0x2f) return { kind: 'malformed', format: 'webp', reason: 'no VP8L signature' };
    const bits = u32le(b, p + 1);
    if (bits >>> 29 !== 0) return { kind: 'malformed', format: 'webp', reason: 'unknown VP8L version' };
    return { kind: 'dimensions', format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === 'VP8X') {
    if (chunkSize < 10) return { kind: 'malformed', format: 'webp', reason: 'short VP8X chunk' };
    return { kind: 'dimensions', format: 'webp', width: u24le(b, p + 4) + 1, height: u24le(b, p + 7) + 1 };
  }
  return { kind: 'malformed', format: 'webp', reason: 'first chunk is not VP8, VP8L or VP8X' };
}

import sharp from 'sharp';
import { ANGLES } from '../../common/contracts/scan';
import { DEFAULT_PHOTO_DIMENSION_LIMITS } from '../../common/photos/limits';
import { imageTokens } from '../../worker/model/image-tokens';
import { MODEL_IMAGE_DETAIL, MODEL_IMAGE_MAX_EDGE, prepareImageForModel } from '../../worker/model/images';
import { makeSampleScanPhotos } from './sample-photos';

/** Vision requests per scan that carry the four photos: the quality judgement and the estimate. */
export const IMAGE_REQUESTS_PER_SCAN = 2;

/**
 * Image tokens per scan under OpenAI's published rule (low detail 85 per image; high detail 85 + 170 per
 * 512 px tile after fitting 2048x2048 and scaling the short side to 768): our prepared images next to the
 * raw photos sent as they are (detail "auto" picks high for photos this large). Pure computation.
 */
export async function imageTokenReport() {
  const photos = await makeSampleScanPhotos('good');
  const rows = await Promise.all(
    ANGLES.map(async (angle) => {
      const raw = photos[angle];
      const meta = await sharp(raw)
        .rotate()
        .toBuffer({ resolveWithObject: true })
        .then((r) => r.info);
      const prepared = await prepareImageForModel(angle, raw, DEFAULT_PHOTO_DIMENSION_LIMITS.maxPixels);
      return {
        angle,
        raw: { width: meta.width, height: meta.height, bytes: raw.length, tokens: imageTokens(meta.width, meta.height, 'high') },
        prepared: { width: prepared.width, height: prepared.height, bytes: prepared.bytes, tokens: prepared.tokens },
      };
    }),
  );
  const perScan = (k: 'raw' | 'prepared') => IMAGE_REQUESTS_PER_SCAN * rows.reduce((s, r) => s + r[k].tokens, 0);
  const bytesPerScan = (k: 'raw' | 'prepared') => IMAGE_REQUESTS_PER_SCAN * rows.reduce((s, r) => s + r[k].bytes, 0);
  return {
    rows,
    raw: perScan('raw'),
    prepared: perScan('prepared'),
    rawBytes: bytesPerScan('raw'),
    preparedBytes: bytesPerScan('prepared'),
  };
}

export async function printImageTokenReport(log: (line: string) => void = console.log) {
  const r = await imageTokenReport();
  log(`Image tokens per scan (OpenAI published rule; ${IMAGE_REQUESTS_PER_SCAN} vision requests x 4 sample photos)`);
  for (const row of r.rows) {
    log(
      `  ${row.angle.padEnd(5)}  raw ${row.raw.width}x${row.raw.height} high/auto ${String(row.raw.tokens).padStart(5)} tokens   ` +
        `ours ${row.prepared.width}x${row.prepared.height} ${MODEL_IMAGE_DETAIL} ${String(row.prepared.tokens).padStart(4)} tokens`,
    );
  }
  const phone = IMAGE_REQUESTS_PER_SCAN * 4 * imageTokens(3024, 4032, 'high');
  log(
    `  ${'raw photos as uploaded (detail high/auto)'.padEnd(50)} ${String(r.raw).padStart(5)} image tokens, ${(r.rawBytes / 1024).toFixed(0)} KiB sent`,
  );
  log(
    `  ${`our preparation (≤ ${MODEL_IMAGE_MAX_EDGE} px JPEG, no EXIF, ${MODEL_IMAGE_DETAIL})`.padEnd(50)} ${String(r.prepared).padStart(5)} image tokens, ${(r.preparedBytes / 1024).toFixed(0)} KiB sent`,
  );
  log(`  ${'saving'.padEnd(50)} ${(100 * (1 - r.prepared / r.raw)).toFixed(0)}% of image tokens`);
  log(`  (12 MP phone photos, 3024x4032, sent raw: ${phone} image tokens per scan; ours stays ${r.prepared} whatever the camera)`);
}

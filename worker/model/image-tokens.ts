// Image input tokens under OpenAI's published rule for GPT-4o-class vision models (also what Azure OpenAI bills):
//   detail "low": a flat 85 tokens per image (the model sees a 512x512 version);
//   detail "high": fit within 2048x2048, then scale so the shortest side is 768 px (never enlarging),
//   count the 512 px tiles that cover it: 85 + 170 per tile.

export type ImageDetail = 'low' | 'high';

export const LOW_DETAIL_TOKENS = 85;
export const HIGH_DETAIL_BASE_TOKENS = 85;
export const HIGH_DETAIL_TOKENS_PER_TILE = 170;
const HIGH_MAX_EDGE = 2048;
const HIGH_SHORT_SIDE = 768;
const TILE = 512;

/** The size the provider scales a high-detail image to before tiling. */
export function highDetailSize(width: number, height: number): { width: number; height: number } {
  if (!(width > 0 && height > 0)) throw new RangeError('image dimensions must be positive');
  let w = width;
  let h = height;
  const fit = Math.min(1, HIGH_MAX_EDGE / Math.max(w, h));
  w *= fit;
  h *= fit;
  const shrink = Math.min(1, HIGH_SHORT_SIDE / Math.min(w, h));
  return { width: Math.round(w * shrink), height: Math.round(h * shrink) };
}

export function imageTokens(width: number, height: number, detail: ImageDetail): number {
  if (detail === 'low') return LOW_DETAIL_TOKENS;
  const s = highDetailSize(width, height);
  const tiles = Math.ceil(s.width / TILE) * Math.ceil(s.height / TILE);
  return HIGH_DETAIL_BASE_TOKENS + HIGH_DETAIL_TOKENS_PER_TILE * tiles;
}

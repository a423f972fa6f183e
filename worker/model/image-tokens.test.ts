import { describe, expect, it } from 'vitest';
import { highDetailSize, imageTokens } from './image-tokens';

// Worked examples from OpenAI's vision guide ("Calculating costs").
describe('image token rule', () => {
  it('low detail is a flat 85 tokens whatever the size', () => {
    expect(imageTokens(4096, 8192, 'low')).toBe(85);
    expect(imageTokens(384, 512, 'low')).toBe(85);
  });

  it('1024x1024 high detail: scaled to 768x768, 4 tiles, 765 tokens', () => {
    expect(highDetailSize(1024, 1024)).toEqual({ width: 768, height: 768 });
    expect(imageTokens(1024, 1024, 'high')).toBe(765);
  });

  it('2048x4096 high detail: fit to 1024x2048, then 768x1536, 6 tiles, 1105 tokens', () => {
    expect(highDetailSize(2048, 4096)).toEqual({ width: 768, height: 1536 });
    expect(imageTokens(2048, 4096, 'high')).toBe(1105);
  });

  it('never enlarges a small image', () => {
    expect(highDetailSize(500, 400)).toEqual({ width: 500, height: 400 });
    expect(imageTokens(500, 400, 'high')).toBe(85 + 170);
  });

  it('refuses nonsense dimensions', () => {
    expect(() => imageTokens(0, 10, 'high')).toThrow(RangeError);
  });
});

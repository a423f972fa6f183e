import { describe, expect, it } from 'vitest';
import { bmi } from './bmi';

describe('bmi', () => {
  it('computes kg/m²', () => {
    // 81 / 1.80² = 81 / 3.24 = 25
    expect(bmi(81, 180)).toBeCloseTo(25, 10);
    // 70 / 1.75² = 70 / 3.0625 = 22.857142857…
    expect(bmi(70, 175)).toBeCloseTo(22.857142857, 8);
  });
  it('rejects invalid input', () => {
    expect(() => bmi(0, 180)).toThrowError(expect.objectContaining({ code: 'invalid_weight' }));
    expect(() => bmi(-70, 180)).toThrowError(expect.objectContaining({ code: 'invalid_weight' }));
    expect(() => bmi(70, Number.NaN)).toThrowError(expect.objectContaining({ code: 'invalid_height' }));
    expect(() => bmi(70, Infinity)).toThrowError(expect.objectContaining({ code: 'invalid_height' }));
  });
});

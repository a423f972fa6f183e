import { describe, expect, it } from 'vitest';
import { cunBaeBodyFat } from './body-fat-cun-bae';

describe('cunBaeBodyFat', () => {
  it('male, BMI 25, age 40', () => {
    // −44.988 + 0.503·40 (20.12) + 3.172·25 (79.3) − 0.026·625 (16.25) − 0.02·25·40 (20) + 0.00021·625·40 (5.25)
    // = −44.988 + 20.12 + 79.3 − 16.25 − 20 + 5.25 = 23.432
    expect(cunBaeBodyFat({ bmi: 25, age: 40, sex: 'male' })).toBeCloseTo(23.432, 9);
  });
  it('female, BMI 25, age 40', () => {
    // male value + 10.689 + 0.181·25 (4.525) − 0.005·625 (3.125) = 23.432 + 12.089 = 35.521
    expect(cunBaeBodyFat({ bmi: 25, age: 40, sex: 'female' })).toBeCloseTo(35.521, 9);
  });
  it('male, BMI 40, age 70', () => {
    // −44.988 + 35.21 + 126.88 − 41.6 − 56 + 0.00021·1600·70 (23.52) = 43.022
    expect(cunBaeBodyFat({ bmi: 40, age: 70, sex: 'male' })).toBeCloseTo(43.022, 9);
  });
  it('rejects invalid input', () => {
    expect(() => cunBaeBodyFat({ bmi: -1, age: 40, sex: 'female' })).toThrowError(expect.objectContaining({ code: 'invalid_bmi' }));
    expect(() => cunBaeBodyFat({ bmi: 25, age: Number.NaN, sex: 'female' })).toThrowError(expect.objectContaining({ code: 'invalid_age' }));
    expect(() => cunBaeBodyFat({ bmi: 25, age: 40, sex: 'other' as never })).toThrowError(expect.objectContaining({ code: 'invalid_sex' }));
  });
});

import { describe, expect, it } from 'vitest';
import { deurenbergBodyFat } from './body-fat-deurenberg';

describe('deurenbergBodyFat', () => {
  it('male, BMI 25, age 40', () => {
    // 1.2·25 + 0.23·40 − 10.8·1 − 5.4 = 30 + 9.2 − 10.8 − 5.4 = 23.0
    expect(deurenbergBodyFat({ bmi: 25, age: 40, sex: 'male' })).toBeCloseTo(23.0, 10);
  });
  it('female, BMI 25, age 40', () => {
    // 30 + 9.2 − 0 − 5.4 = 33.8
    expect(deurenbergBodyFat({ bmi: 25, age: 40, sex: 'female' })).toBeCloseTo(33.8, 10);
  });
  it('male, BMI 40, age 70', () => {
    // 48 + 16.1 − 10.8 − 5.4 = 47.9
    expect(deurenbergBodyFat({ bmi: 40, age: 70, sex: 'male' })).toBeCloseTo(47.9, 10);
  });
  it('rejects invalid input', () => {
    expect(() => deurenbergBodyFat({ bmi: 0, age: 40, sex: 'male' })).toThrowError(expect.objectContaining({ code: 'invalid_bmi' }));
    expect(() => deurenbergBodyFat({ bmi: 25, age: 12, sex: 'male' })).toThrowError(expect.objectContaining({ code: 'invalid_age' }));
    expect(() => deurenbergBodyFat({ bmi: 25, age: 40, sex: 'x' as never })).toThrowError(expect.objectContaining({ code: 'invalid_sex' }));
  });
});

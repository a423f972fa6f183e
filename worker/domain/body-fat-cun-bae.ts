import type { BodyFatEquationInput } from './body-fat-deurenberg';
import { requireAdultAge, requirePositive, requireSex } from './validate';

// CUN-BAE, Gómez-Ambrosi et al., Diabetes Care 2012;35:383-388 (sex 0 = male, 1 = female).
export function cunBaeBodyFat({ bmi, age, sex }: BodyFatEquationInput): number {
  requirePositive(bmi, 'invalid_bmi', 'bmi');
  requireAdultAge(age);
  const s = requireSex(sex) === 'female' ? 1 : 0;
  const b2 = bmi * bmi;
  return (
    -44.988 + 0.503 * age + 10.689 * s + 3.172 * bmi - 0.026 * b2 + 0.181 * bmi * s - 0.02 * bmi * age - 0.005 * b2 * s + 0.00021 * b2 * age
  );
}

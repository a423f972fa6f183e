import { requireAdultAge, requirePositive, requireSex, type Sex } from './validate';

export interface BodyFatEquationInput {
  bmi: number;
  age: number;
  sex: Sex;
}

// Deurenberg, Weststrate & Seidell, Br J Nutr 1991;65:105-114 (adult form): BF% = 1.2·BMI + 0.23·age − 10.8·sex − 5.4, sex 1 = male.
export function deurenbergBodyFat({ bmi, age, sex }: BodyFatEquationInput): number {
  requirePositive(bmi, 'invalid_bmi', 'bmi');
  requireAdultAge(age);
  const s = requireSex(sex) === 'male' ? 1 : 0;
  return 1.2 * bmi + 0.23 * age - 10.8 * s - 5.4;
}

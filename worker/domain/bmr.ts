import { DomainInputError } from './errors';
import { requireAdultAge, requirePositive, requireSex, type Sex } from './validate';

// Katch & McArdle, Nutrition, Weight Control and Exercise (1975; 4th ed. 1996): BMR = 370 + 21.6·LBM(kg).
export function katchMcArdleBmr(leanMassKg: number): number {
  requirePositive(leanMassKg, 'invalid_lean_mass', 'leanMassKg');
  return 370 + 21.6 * leanMassKg;
}

export interface BodyInput {
  weightKg: number;
  heightCm: number;
  age: number;
  sex: Sex;
}

// Mifflin et al., Am J Clin Nutr 1990;51:241-247: REE = 10·w + 6.25·h − 5·a + 5 (male) / − 161 (female).
export function mifflinStJeorBmr({ weightKg, heightCm, age, sex }: BodyInput): number {
  requirePositive(weightKg, 'invalid_weight', 'weightKg');
  requirePositive(heightCm, 'invalid_height', 'heightCm');
  requireAdultAge(age);
  const s = requireSex(sex);
  return 10 * weightKg + 6.25 * heightCm - 5 * age + (s === 'male' ? 5 : -161);
}

export type BmrEquation = 'katch-mcardle' | 'mifflin-st-jeor';

/** Katch-McArdle when lean mass is known (SPEC §4 nutrition), otherwise Mifflin-St Jeor. Unrounded kcal/day. */
export function restingEnergy(input: BodyInput & { leanMassKg?: number | undefined }): { kcal: number; equation: BmrEquation } {
  requirePositive(input.weightKg, 'invalid_weight', 'weightKg');
  requirePositive(input.heightCm, 'invalid_height', 'heightCm');
  requireAdultAge(input.age);
  requireSex(input.sex);
  if (input.leanMassKg !== undefined) {
    requirePositive(input.leanMassKg, 'invalid_lean_mass', 'leanMassKg');
    if (input.leanMassKg >= input.weightKg) {
      throw new DomainInputError('invalid_lean_mass', 'leanMassKg must be less than weightKg');
    }
    return { kcal: katchMcArdleBmr(input.leanMassKg), equation: 'katch-mcardle' };
  }
  return { kcal: mifflinStJeorBmr(input), equation: 'mifflin-st-jeor' };
}

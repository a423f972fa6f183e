import { type HydrationPlan, HydrationPlanSchema } from '../../common/contracts/scan-results';
import { DomainInputError } from './errors';
import { requireAdultAge, requireNonNegative, requirePositive, requireSex, type Sex } from './validate';

// EFSA NDA Panel, Scientific Opinion on Dietary Reference Values for water, EFSA Journal 2010;8(3):1459: adequate total water intake.
export const EFSA_TOTAL_WATER_ML: Record<Sex, number> = { male: 2500, female: 2000 };
/** EFSA 2010 assumes about 80 % of total water comes from drinks, 20 % from food. */
export const DRINKS_SHARE = 0.8;
// ACSM position stand, Exercise and fluid replacement (Sawka et al., Med Sci Sports Exerc 2007;39:377-390): ~0.4–0.8 L/h sweat losses; 500 ml per hour used here.
export const EXERCISE_ML_PER_HOUR = 500;

/**
 * ml per kg body weight by age band. These are common clinical rules of thumb (adult maintenance-fluid practice,
 * loosely derived from Holliday-Segar and geriatric guidance), NOT a published adult reference value; EFSA floors
 * are applied on top so the result never drops below the published adequate intake.
 */
export function mlPerKgForAge(age: number): number {
  requireAdultAge(age);
  if (age <= 30) return 35;
  if (age <= 55) return 32;
  if (age <= 65) return 30;
  return 25;
}

const to10 = (ml: number): number => Math.round(ml / 10) * 10;

// Daily water: max(weight-based rule, EFSA 2010 adequate intake) + ACSM 2007 exercise add-on; rounded to 10 ml.
export function hydrationPlan(input: { weightKg: number; age: number; sex: Sex; exerciseMinutesPerDay: number }): HydrationPlan {
  requirePositive(input.weightKg, 'invalid_weight', 'weightKg');
  requireNonNegative(input.exerciseMinutesPerDay, 'invalid_exercise_minutes', 'exerciseMinutesPerDay');
  if (input.exerciseMinutesPerDay > 24 * 60) {
    throw new DomainInputError('invalid_exercise_minutes', 'exerciseMinutesPerDay must not exceed 1440');
  }
  const sex = requireSex(input.sex);
  const mlPerKg = mlPerKgForAge(input.age);
  const weightBased = input.weightKg * mlPerKg;
  const efsaFloorMl = EFSA_TOTAL_WATER_ML[sex];
  const base = Math.max(weightBased, efsaFloorMl);
  const exerciseAddOn = (EXERCISE_ML_PER_HOUR * input.exerciseMinutesPerDay) / 60;
  return HydrationPlanSchema.parse({
    totalMl: to10(base + exerciseAddOn),
    // Exercise losses are replaced by drinking, so the add-on counts fully towards drinks.
    fromDrinksMl: to10(base * DRINKS_SHARE + exerciseAddOn),
    exerciseAddOnMl: to10(exerciseAddOn),
    mlPerKg,
    efsaFloorMl,
    basis: weightBased >= efsaFloorMl ? 'weight' : 'efsa-floor',
  });
}

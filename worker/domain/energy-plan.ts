import { type EnergyPlan, EnergyPlanSchema } from '../../common/contracts/scan-results';
import { anthropometricPrior } from './anthropometric-prior';
import { restingEnergy } from './bmr';
import { requireOneOf, requireSex, round, type Sex } from './validate';

export const ACTIVITY_LEVELS = ['sedentary', 'light', 'moderate', 'active', 'very_active'] as const;
export type ActivityLevel = (typeof ACTIVITY_LEVELS)[number];
export const GOALS = ['lose_fat', 'maintain', 'gain_muscle'] as const;
export type Goal = (typeof GOALS)[number];

// Activity factors 1.2–1.9 as tabulated by McArdle, Katch & Katch, Exercise Physiology (after the Harris-Benedict/Katch-McArdle convention).
export const ACTIVITY_MULTIPLIERS: Record<ActivityLevel, number> = {
  sedentary: 1.2,
  light: 1.375,
  moderate: 1.55,
  active: 1.725,
  very_active: 1.9,
};

// ~7700 kcal per kg of body-weight change: Wishnofsky, Am J Clin Nutr 1958;6:542-546; caveats in Hall, Int J Obes 2008;32:573-576.
export const KCAL_PER_KG = 7700;
export const DEFICIT_SHARE = 0.2;
/** Weekly loss is capped at 1 % of body weight. */
export const MAX_WEEKLY_LOSS_SHARE = 0.01;
export const SURPLUS_SHARE = 0.1;
export const MAX_SURPLUS_KCAL = 500;
// Low-calorie diet floors, NIH NHLBI Practical Guide to the Identification, Evaluation and Treatment of Overweight and Obesity in Adults (NIH 00-4084, 2000).
export const CALORIE_FLOOR_KCAL: Record<Sex, number> = { female: 1200, male: 1500 };
// Protein g/kg fat-free mass: deficit 2.4 within Helms et al. 2014 (JISSN 11:20; 2.3–3.1 g/kg FFM); maintain 2.0 / gain 2.2 consistent with ISSN position stand (Jäger et al., JISSN 2017;14:20).
export const PROTEIN_G_PER_KG_FFM: Record<Goal, number> = { lose_fat: 2.4, maintain: 2.0, gain_muscle: 2.2 };
/** Fat supplies 25 % of target energy (within the AMDR 20–35 %, IOM DRI 2005). */
export const FAT_SHARE = 0.25;

export interface EnergyPlanInput {
  weightKg: number;
  heightCm: number;
  age: number;
  sex: Sex;
  leanMassKg?: number | undefined;
  activityLevel: ActivityLevel;
  goal: Goal;
}

/**
 * Daily energy and macronutrient plan. kcal are rounded to whole numbers, grams to whole grams; macros are derived
 * from the rounded target. When lean mass is unknown, resting energy uses Mifflin-St Jeor and protein uses the
 * fat-free mass from the anthropometric prior (noted in `notes`).
 */
export function energyPlan(input: EnergyPlanInput): EnergyPlan {
  const activityLevel = requireOneOf(input.activityLevel, ACTIVITY_LEVELS, 'invalid_activity_level', 'activityLevel');
  const goal = requireOneOf(input.goal, GOALS, 'invalid_goal', 'goal');
  const sex = requireSex(input.sex);
  const rest = restingEnergy(input); // validates weight, height, age, lean mass
  const notes: string[] = [];

  let ffm = input.leanMassKg;
  if (ffm === undefined) {
    ffm = anthropometricPrior(input).leanMassKg;
    notes.push('Lean mass unknown: resting energy from Mifflin-St Jeor, protein from the anthropometric fat-free-mass estimate.');
  }

  const multiplier = ACTIVITY_MULTIPLIERS[activityLevel];
  const maintenance = rest.kcal * multiplier;
  let target = maintenance;

  if (goal === 'lose_fat') {
    const weeklyCapKcalPerDay = (input.weightKg * MAX_WEEKLY_LOSS_SHARE * KCAL_PER_KG) / 7;
    let deficit = maintenance * DEFICIT_SHARE;
    if (deficit > weeklyCapKcalPerDay) {
      deficit = weeklyCapKcalPerDay;
      notes.push('Deficit capped so that expected loss stays at or below 1% of body weight per week.');
    }
    target = maintenance - deficit;
    const floor = CALORIE_FLOOR_KCAL[sex];
    if (target < floor) {
      target = Math.min(maintenance, floor);
      notes.push('Target raised to the minimum daily intake for safe unsupervised dieting.');
    }
  } else if (goal === 'gain_muscle') {
    let surplus = maintenance * SURPLUS_SHARE;
    if (surplus > MAX_SURPLUS_KCAL) {
      surplus = MAX_SURPLUS_KCAL;
      notes.push('Surplus capped at the maximum daily surplus.');
    }
    target = maintenance + surplus;
  }

  const maintenanceKcal = Math.round(maintenance);
  const targetKcal = Math.round(target);
  const proteinGPerKgFfm = PROTEIN_G_PER_KG_FFM[goal];
  const proteinG = Math.round(proteinGPerKgFfm * ffm);
  const fatG = Math.round((FAT_SHARE * targetKcal) / 9);
  const carbsRaw = (targetKcal - proteinG * 4 - fatG * 9) / 4;
  if (carbsRaw < 0) notes.push('Protein and fat already cover the target; carbohydrate set to zero.');
  const carbsG = Math.max(0, Math.round(carbsRaw));

  return EnergyPlanSchema.parse({
    bmrKcal: Math.round(rest.kcal),
    bmrEquation: rest.equation,
    activityMultiplier: multiplier,
    maintenanceKcal,
    targetKcal,
    adjustmentKcal: targetKcal - maintenanceKcal,
    proteinG,
    fatG,
    carbsG,
    proteinGPerKgFfm: round(proteinGPerKgFfm, 2),
    notes,
  });
}

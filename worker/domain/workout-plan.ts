import { type Session, type WorkoutPlan, WorkoutPlanSchema } from '../../common/contracts/scan-results';
import { GOALS, type Goal } from './energy-plan';
import { DomainInputError } from './errors';
import { bodyFatCategory } from './insights';
import { requireOneOf, requireSex, type Sex } from './validate';

export const TRAINING_LEVELS = ['beginner', 'intermediate', 'advanced'] as const;
export type TrainingLevel = (typeof TRAINING_LEVELS)[number];

// Resistance-training frequency by level: ACSM position stand, Progression models in resistance training for healthy adults, Med Sci Sports Exerc 2009;41:687-708 (novice 2–3, intermediate 3–4, advanced 4–5 d/wk).
export const STRENGTH_DAYS: Record<TrainingLevel, number> = { beginner: 2, intermediate: 3, advanced: 4 };
export const STRENGTH_MINUTES: Record<TrainingLevel, number> = { beginner: 45, intermediate: 60, advanced: 60 };

// WHO 2020 guidelines on physical activity and sedentary behaviour (Bull et al., Br J Sports Med 2020;54:1451-1462): 150–300 min moderate (or 75–150 vigorous) aerobic + strength ≥ 2 d/wk.
// Weekly aerobic target in moderate-equivalent minutes (1 vigorous minute counts as 2, per WHO 2020); fat loss climbs towards the 300-min upper end with training level.
export const AEROBIC_MODERATE_EQUIVALENT_MIN: Record<Goal, Record<TrainingLevel, number>> = {
  lose_fat: { beginner: 150, intermediate: 225, advanced: 300 },
  maintain: { beginner: 150, intermediate: 150, advanced: 150 },
  gain_muscle: { beginner: 150, intermediate: 150, advanced: 150 },
};

const STRENGTH_POSITIONS: Record<number, number[]> = { 2: [1, 4], 3: [1, 3, 5], 4: [1, 2, 4, 5] };
const STRENGTH_FOCUS: Record<number, string[]> = {
  2: ['full body A (squat, push, pull, hinge)', 'full body B (lunge, press, row, carry)'],
  3: ['full body A (squat focus)', 'full body B (hinge focus)', 'full body C (push/pull focus)'],
  4: ['upper body', 'lower body', 'upper body', 'lower body'],
};

const WHO_GUIDELINE =
  'WHO 2020: 150–300 minutes of moderate (or 75–150 minutes of vigorous) aerobic activity a week plus muscle-strengthening on at least 2 days; ' +
  'weekly aerobic minutes are moderate-equivalent (1 vigorous minute counts as 2). Progression per ACSM 2009: beginners 2–3, intermediate 3–4, advanced 4–5 strength days.';

const roundUp5 = (m: number): number => Math.ceil(m / 5) * 5;

/**
 * Weekly template. Advanced members without a high (ACE 'obese') body-fat category do vigorous cardio on 2 days;
 * everyone else does moderate cardio on 3 days (advanced members with high body fat drop to 3 strength days so
 * cardio fits, lower-impact). Remaining days: one mobility day when two or more are free, the rest are rest days.
 */
export function workoutPlan(input: { goal: Goal; trainingLevel: TrainingLevel; bodyFatPercent: number; sex: Sex }): WorkoutPlan {
  const goal = requireOneOf(input.goal, GOALS, 'invalid_goal', 'goal');
  const level = requireOneOf(input.trainingLevel, TRAINING_LEVELS, 'invalid_training_level', 'trainingLevel');
  const sex = requireSex(input.sex);
  if (!Number.isFinite(input.bodyFatPercent) || input.bodyFatPercent < 0 || input.bodyFatPercent > 100) {
    throw new DomainInputError('invalid_body_fat', 'bodyFatPercent must be between 0 and 100');
  }
  const highBodyFat = bodyFatCategory(sex, input.bodyFatPercent).category === 'obese';
  const vigorousCardio = level === 'advanced' && !highBodyFat;
  const strengthDays = level === 'advanced' && highBodyFat ? 3 : STRENGTH_DAYS[level];
  const weeklyAerobicMinutes = AEROBIC_MODERATE_EQUIVALENT_MIN[goal][level];

  const strengthPos = STRENGTH_POSITIONS[strengthDays] ?? [];
  const free = [1, 2, 3, 4, 5, 6, 7].filter((d) => !strengthPos.includes(d));
  const cardioCount = Math.min(vigorousCardio ? 2 : 3, free.length - 1);
  const cardioPos = free.slice(0, cardioCount);
  const left = free.slice(cardioCount);
  const mobilityPos = left.length >= 2 ? left.slice(0, 1) : [];
  const cardioMinutes = roundUp5(weeklyAerobicMinutes / (vigorousCardio ? 2 : 1) / cardioCount);

  const sessions: Session[] = [];
  for (let day = 1; day <= 7; day++) {
    const si = strengthPos.indexOf(day);
    if (si >= 0) {
      sessions.push({
        day,
        type: 'strength',
        minutes: STRENGTH_MINUTES[level],
        intensity: level === 'advanced' ? 'vigorous' : 'moderate',
        focus: STRENGTH_FOCUS[strengthDays]?.[si] ?? 'full body',
      });
    } else if (cardioPos.includes(day)) {
      sessions.push({
        day,
        type: 'cardio',
        minutes: cardioMinutes,
        intensity: vigorousCardio ? 'vigorous' : 'moderate',
        focus: vigorousCardio
          ? 'intervals (running, rowing or cycling)'
          : highBodyFat
            ? 'low-impact steady state (brisk walking, cycling, swimming)'
            : 'steady state (brisk walking, cycling, jogging)',
      });
    } else if (mobilityPos.includes(day)) {
      sessions.push({ day, type: 'mobility', minutes: 20, intensity: 'low', focus: 'mobility and stretching' });
    } else {
      sessions.push({ day, type: 'rest', minutes: 0, intensity: 'low', focus: 'rest and recovery' });
    }
  }

  return WorkoutPlanSchema.parse({
    daysPerWeek: sessions.filter((s) => s.type === 'strength' || s.type === 'cardio').length,
    weeklyAerobicMinutes,
    strengthDays,
    sessions,
    guideline: WHO_GUIDELINE,
  });
}

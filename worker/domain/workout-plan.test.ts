import { describe, expect, it } from 'vitest';
import { type WorkoutPlan, WorkoutPlanSchema } from '../../common/contracts/scan-results';
import { workoutPlan } from './workout-plan';

/** Moderate-equivalent aerobic minutes actually scheduled (vigorous counts double, WHO 2020). */
const scheduledAerobic = (p: WorkoutPlan): number =>
  p.sessions.filter((s) => s.type === 'cardio').reduce((a, s) => a + s.minutes * (s.intensity === 'vigorous' ? 2 : 1), 0);

describe('workoutPlan', () => {
  it('beginner maintain: WHO minimum, 2 strength days', () => {
    // 150 min / 3 cardio days = 50 min
    const p = workoutPlan({ goal: 'maintain', trainingLevel: 'beginner', bodyFatPercent: 20, sex: 'male' });
    expect(p.strengthDays).toBe(2);
    expect(p.weeklyAerobicMinutes).toBe(150);
    expect(p.daysPerWeek).toBe(5);
    expect(p.sessions.map((s) => s.type)).toEqual(['strength', 'cardio', 'cardio', 'strength', 'cardio', 'mobility', 'rest']);
    expect(p.sessions.filter((s) => s.type === 'cardio').every((s) => s.minutes === 50)).toBe(true);
    expect(scheduledAerobic(p)).toBe(150);
    expect(WorkoutPlanSchema.parse(p)).toEqual(p);
  });

  it('intermediate fat loss: 225 moderate minutes over 3 days, 3 strength days', () => {
    // 225 / 3 = 75 min
    const p = workoutPlan({ goal: 'lose_fat', trainingLevel: 'intermediate', bodyFatPercent: 30, sex: 'female' });
    expect(p.strengthDays).toBe(3);
    expect(p.weeklyAerobicMinutes).toBe(225);
    expect(p.sessions.filter((s) => s.type === 'cardio').map((s) => s.minutes)).toEqual([75, 75, 75]);
    expect(p.sessions.filter((s) => s.type === 'rest')).toHaveLength(1);
  });

  it('advanced fat loss: vigorous cardio counts double', () => {
    // 300 moderate-equivalent = 150 vigorous minutes over 2 days = 75 min each
    const p = workoutPlan({ goal: 'lose_fat', trainingLevel: 'advanced', bodyFatPercent: 12, sex: 'male' });
    expect(p.strengthDays).toBe(4);
    expect(p.sessions.filter((s) => s.type === 'cardio').map((s) => [s.minutes, s.intensity])).toEqual([
      [75, 'vigorous'],
      [75, 'vigorous'],
    ]);
    expect(scheduledAerobic(p)).toBe(300);
    expect(p.sessions.some((s) => s.type === 'rest')).toBe(true);
  });

  it('advanced with high body fat: moderate low-impact cardio, 3 strength days', () => {
    // 300 / 3 = 100 min moderate
    const p = workoutPlan({ goal: 'lose_fat', trainingLevel: 'advanced', bodyFatPercent: 35, sex: 'female' });
    expect(p.strengthDays).toBe(3);
    expect(p.sessions.filter((s) => s.type === 'cardio').every((s) => s.intensity === 'moderate' && s.minutes === 100)).toBe(true);
  });

  it('always meets WHO minimums (≥150 min, ≥2 strength days) and has 7 days', () => {
    for (const goal of ['lose_fat', 'maintain', 'gain_muscle'] as const)
      for (const trainingLevel of ['beginner', 'intermediate', 'advanced'] as const)
        for (const bodyFatPercent of [12, 40]) {
          const p = workoutPlan({ goal, trainingLevel, bodyFatPercent, sex: 'male' });
          expect(scheduledAerobic(p)).toBeGreaterThanOrEqual(p.weeklyAerobicMinutes);
          expect(p.weeklyAerobicMinutes).toBeGreaterThanOrEqual(150);
          expect(p.weeklyAerobicMinutes).toBeLessThanOrEqual(300);
          expect(p.sessions.filter((s) => s.type === 'strength')).toHaveLength(p.strengthDays);
          expect(p.strengthDays).toBeGreaterThanOrEqual(2);
          expect(p.sessions.map((s) => s.day)).toEqual([1, 2, 3, 4, 5, 6, 7]);
        }
  });

  it('rejects invalid input', () => {
    expect(() => workoutPlan({ goal: 'x' as never, trainingLevel: 'beginner', bodyFatPercent: 20, sex: 'male' })).toThrowError(
      expect.objectContaining({ code: 'invalid_goal' }),
    );
    expect(() => workoutPlan({ goal: 'maintain', trainingLevel: 'pro' as never, bodyFatPercent: 20, sex: 'male' })).toThrowError(
      expect.objectContaining({ code: 'invalid_training_level' }),
    );
    expect(() => workoutPlan({ goal: 'maintain', trainingLevel: 'beginner', bodyFatPercent: Number.NaN, sex: 'male' })).toThrowError(
      expect.objectContaining({ code: 'invalid_body_fat' }),
    );
  });
});

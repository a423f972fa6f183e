import { z } from 'zod';
import { ageAtCapture, ScanMeasurementsSchema } from '../../common/contracts/scan';
import { energyPlan, EnergyPlanSchema } from '../domain/energy-plan';
import { hydrationPlan, HydrationPlanSchema } from '../domain/hydration';
import { insightsFrom, InsightsSchema } from '../domain/insights';
import { TrendSchema } from '../domain/trend';
import { workoutPlan, WorkoutPlanSchema } from '../domain/workout-plan';
import type { ActivityDeps } from './deps';
import { EstimateSchema } from './estimation';
import { parseOrFail } from './validate';

// The four advice agents. Deterministic cores; a model (when configured) only rewords them.
const method = 'deterministic' as const;

export const NutritionResultSchema = EnergyPlanSchema.extend({ method: z.literal(method) });
export const WorkoutResultSchema = WorkoutPlanSchema.extend({ method: z.literal(method) });
export const HydrationResultSchema = HydrationPlanSchema.extend({ method: z.literal(method) });
export const InsightsResultSchema = z.object({ findings: InsightsSchema, method: z.literal(method) });

export function createAdviceActivities(_deps: ActivityDeps) {
  return {
    async generateInsights(input: { measurements: z.input<typeof ScanMeasurementsSchema>; estimate: z.input<typeof EstimateSchema>; deltas: z.input<typeof TrendSchema> }) {
      const { measurements: m, estimate, deltas } = parseOrFail(
        z.object({ measurements: ScanMeasurementsSchema, estimate: EstimateSchema, deltas: TrendSchema }), input, 'insights input');
      const findings = insightsFrom({ sex: m.sex, age: ageAtCapture(m), estimate, trend: deltas });
      return InsightsResultSchema.parse({ findings, method });
    },

    async planNutrition(input: { measurements: z.input<typeof ScanMeasurementsSchema>; estimate: z.input<typeof EstimateSchema> }) {
      const { measurements: m, estimate } = parseOrFail(z.object({ measurements: ScanMeasurementsSchema, estimate: EstimateSchema }), input, 'nutrition input');
      const plan = energyPlan({
        weightKg: m.weightKg, heightCm: m.heightCm, age: ageAtCapture(m), sex: m.sex,
        leanMassKg: estimate.leanMassKg, activityLevel: m.activityLevel, goal: m.goal,
      });
      return NutritionResultSchema.parse({ ...plan, method });
    },

    async planWorkout(input: { measurements: z.input<typeof ScanMeasurementsSchema>; estimate: z.input<typeof EstimateSchema> }) {
      const { measurements: m, estimate } = parseOrFail(z.object({ measurements: ScanMeasurementsSchema, estimate: EstimateSchema }), input, 'workout input');
      const plan = workoutPlan({ goal: m.goal, trainingLevel: m.trainingLevel, bodyFatPercent: estimate.bodyFatPercent, sex: m.sex });
      return WorkoutResultSchema.parse({ ...plan, method });
    },

    async planHydration(input: { measurements: z.input<typeof ScanMeasurementsSchema> }) {
      const { measurements: m } = parseOrFail(z.object({ measurements: ScanMeasurementsSchema }), input, 'hydration input');
      const plan = hydrationPlan({ weightKg: m.weightKg, age: ageAtCapture(m), sex: m.sex, exerciseMinutesPerDay: m.exerciseMinutesPerDay });
      return HydrationResultSchema.parse({ ...plan, method });
    },
  };
}

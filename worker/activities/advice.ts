import { z } from 'zod';
import { TrendSchema } from '../../common/contracts/deltas';
import { ageAtCapture, ScanMeasurementsSchema } from '../../common/contracts/scan';
import {
  ADVICE_METHOD,
  EstimateSchema,
  HydrationResultSchema,
  InsightsResultSchema,
  NutritionResultSchema,
  WorkoutResultSchema,
} from '../../common/contracts/scan-results';
import { energyPlan } from '../domain/energy-plan';
import { hydrationPlan } from '../domain/hydration';
import { insightsFrom } from '../domain/insights';
import { workoutPlan } from '../domain/workout-plan';
import { type NarrativeAgent, writeNarrative } from '../model/narrative';
import type { ActivityDeps } from './deps';
import { parseOrFail } from './validate';

// The four advice agents. Deterministic cores; a model (when configured) only words them, and its wording
// is kept only when every number in it comes from the computed facts (else the deterministic wording).

const HydrationInputSchema = z.object({ measurements: ScanMeasurementsSchema });
/** What the nutrition and workout plans are made from. */
const PlanInputSchema = HydrationInputSchema.extend({ estimate: EstimateSchema });
const InsightsInputSchema = PlanInputSchema.extend({ deltas: TrendSchema });

export function createAdviceActivities({ model }: Pick<ActivityDeps, 'model'>) {
  /** The result as is without a model; with one, plus the narrative and how it was made. */
  async function word<T extends object>(
    agent: NarrativeAgent,
    result: T,
    facts: Record<string, unknown>,
    deterministic: { summary: string; points: string[] },
  ) {
    if (!model) return { ...result, method: ADVICE_METHOD };
    const { narrative, model: run } = await writeNarrative(model, agent, facts, deterministic);
    return {
      ...result,
      method: narrative.source === 'model' ? ('deterministic+model-wording' as const) : ADVICE_METHOD,
      narrative,
      model: run,
    };
  }

  return {
    async generateInsights(input: z.input<typeof InsightsInputSchema>) {
      const { measurements: m, estimate, deltas } = parseOrFail(InsightsInputSchema, input, 'insights input');
      const findings = insightsFrom({ sex: m.sex, age: ageAtCapture(m), estimate, trend: deltas });
      const [first, ...rest] = findings.map((f) => f.message);
      return InsightsResultSchema.parse(
        await word(
          'insights',
          { findings },
          { findings: findings.map(({ code, severity, message, evidence }) => ({ code, severity, message, evidence })) },
          {
            summary: first ?? 'Your scan has been analysed.',
            points: rest.slice(0, 4),
          },
        ),
      );
    },

    async planNutrition(input: z.input<typeof PlanInputSchema>) {
      const { measurements: m, estimate } = parseOrFail(PlanInputSchema, input, 'nutrition input');
      const plan = energyPlan({
        weightKg: m.weightKg,
        heightCm: m.heightCm,
        age: ageAtCapture(m),
        sex: m.sex,
        leanMassKg: estimate.leanMassKg,
        activityLevel: m.activityLevel,
        goal: m.goal,
      });
      return NutritionResultSchema.parse(
        await word(
          'nutrition',
          plan,
          { goal: m.goal, ...plan },
          {
            summary: `Your daily target is ${plan.targetKcal} kcal: ${plan.proteinG} g protein, ${plan.fatG} g fat and ${plan.carbsG} g carbohydrate.`,
            points: plan.notes.slice(0, 4),
          },
        ),
      );
    },

    async planWorkout(input: z.input<typeof PlanInputSchema>) {
      const { measurements: m, estimate } = parseOrFail(PlanInputSchema, input, 'workout input');
      const plan = workoutPlan({ goal: m.goal, trainingLevel: m.trainingLevel, bodyFatPercent: estimate.bodyFatPercent, sex: m.sex });
      return WorkoutResultSchema.parse(
        await word(
          'workout',
          plan,
          { goal: m.goal, trainingLevel: m.trainingLevel, ...plan },
          {
            summary: `${plan.daysPerWeek} active days a week: ${plan.strengthDays} strength days and ${plan.weeklyAerobicMinutes} minutes of aerobic activity.`,
            points: [plan.guideline],
          },
        ),
      );
    },

    async planHydration(input: z.input<typeof HydrationInputSchema>) {
      const { measurements: m } = parseOrFail(HydrationInputSchema, input, 'hydration input');
      const plan = hydrationPlan({
        weightKg: m.weightKg,
        age: ageAtCapture(m),
        sex: m.sex,
        exerciseMinutesPerDay: m.exerciseMinutesPerDay,
      });
      return HydrationResultSchema.parse({ ...plan, method: ADVICE_METHOD });
    },
  };
}

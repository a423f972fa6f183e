import type { z } from 'zod';
import type { Trend } from '../../common/contracts/deltas';
import { type ScanMeasurements, ScanMeasurementsSchema } from '../../common/contracts/scan';
import { type Estimate, type QualityResult, type ScanResults, ScanResultsSchema } from '../../common/contracts/scan-results';
import { createAdviceActivities } from '../../worker/activities/advice';
import { anthropometricPrior } from '../../worker/domain/anthropometric-prior';

// Results of the shape a completed scan stores and GET /api/scans/{scanId} answers with, from the
// deterministic agents (no photos, no database, no model): for fakes that must pass the contract.

export const SAMPLE_MEASUREMENTS = ScanMeasurementsSchema.parse({
  weightKg: 82,
  heightCm: 180,
  age: 35,
  sex: 'male',
  capturedAt: '2026-11-30T07:30:00.000Z',
});

/** What the photo check returns when every photo passed (no per-photo details: none were decoded). */
export const SAMPLE_QUALITY: QualityResult = { ok: true, method: 'deterministic', photos: [] };

/** The deterministic estimate of the measurements; `overrides` set e.g. the confidence a test needs. */
export function sampleEstimate(m: ScanMeasurements = SAMPLE_MEASUREMENTS, overrides: Partial<Estimate> = {}): Estimate {
  const age = m.age ?? new Date(m.capturedAt).getUTCFullYear() - m.birthYear!;
  return { ...anthropometricPrior({ weightKg: m.weightKg, heightCm: m.heightCm, age, sex: m.sex }), weightKg: m.weightKg, ...overrides };
}

/** A first scan's deltas (nothing to compare with), or one flagged as an implausible change. */
export function sampleTrend(implausibleChange = false): Trend {
  return {
    previous: null,
    sevenDay: null,
    thirtyDay: null,
    smoothedBodyFatPercent: 21.5,
    trendPerWeek: null,
    direction: null,
    implausibleChange,
    ratePerDay: null,
    scansConsidered: 1,
  };
}

/** The deterministic advice agents: pure, so fakes of the pipeline can run the real ones. */
export const deterministicAdvice = createAdviceActivities({ model: undefined });

/** A whole completed scan's results, parsed with the schema the API documents. */
export async function sampleScanResults(m: z.input<typeof ScanMeasurementsSchema> = SAMPLE_MEASUREMENTS): Promise<ScanResults> {
  const measurements = ScanMeasurementsSchema.parse(m);
  const estimate = sampleEstimate(measurements);
  const deltas = sampleTrend();
  return ScanResultsSchema.parse({
    quality: SAMPLE_QUALITY,
    estimate,
    deltas,
    insights: await deterministicAdvice.generateInsights({ measurements, estimate, deltas }),
    nutrition: await deterministicAdvice.planNutrition({ measurements, estimate }),
    workout: await deterministicAdvice.planWorkout({ measurements, estimate }),
    hydration: await deterministicAdvice.planHydration({ measurements }),
    review: { required: false },
  });
}

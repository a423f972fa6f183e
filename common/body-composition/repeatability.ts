import type { Repeatability, TrackedMetric } from '../contracts/measurement-uncertainty';

// Day-to-day variation of a reading (standard error of measurement, SEM) and the minimal detectable change
// between two readings: MDC95 = 1.96·√(SEM₁² + SEM₂²), which is the usual 1.96·√2·SEM when both are equal
// (Weir, J Strength Cond Res 2005;19:231-240). Shared by the worker (each scan's deltas) and the functions
// app (GET /api/me/trend).

/** Two-sided 95 % normal quantile. */
export const Z_95 = 1.96;
// Edholm, Adam & Best, Ann Hum Biol 1974;1:3-12: 6.2 % of day-to-day weight changes were ≥ 1.0 kg → SD of a day-to-day difference 1.0 / z(0.969) = 1.0 / 1.866 ≈ 0.54 kg.
export const WEIGHT_DAY_TO_DAY_DIFFERENCE_SD_KG = 0.54;
/** SEM of one weighing: the SD of a difference of two is √2 times the SEM of one. */
export const WEIGHT_SEM_KG = WEIGHT_DAY_TO_DAY_DIFFERENCE_SD_KG / Math.SQRT2;
// Farina et al., Sensors 2022;22:8365: repeat smartphone-photo fat estimates, reproducibility R² = 0.99 → test–retest ICC ≈ 0.99.
export const PHOTO_TEST_RETEST_ICC = 0.99;
// Gómez-Ambrosi et al., Diabetes Care 2012;35:383-388: body fat by air-displacement plethysmography 39.9 ± 10.1 % (n = 6,510): the between-person SD.
export const BODY_FAT_BETWEEN_PERSON_SD_PP = 10.1;
/** SEM = SD·√(1 − ICC) (Weir 2005): the photo method's day-to-day variation in body fat, ≈ 1.0 pp. */
export const PHOTO_BODY_FAT_SEM_PP = BODY_FAT_BETWEEN_PERSON_SD_PP * Math.sqrt(1 - PHOTO_TEST_RETEST_ICC);
/** Published figures are rounded to 0.1 (body fat, masses): two rounded values differ by up to 0.1 more. */
export const PUBLISHED_RESOLUTION: Record<TrackedMetric, number> = { bodyFatPercent: 0.1, weightKg: 0, leanMassKg: 0.1 };

/** MDC95 between two readings of one metric, each with its own SEM, plus the rounding of published values. */
export function minimalDetectableChange(metric: TrackedMetric, semFrom: number, semTo: number): number {
  return Z_95 * Math.hypot(semFrom, semTo) + PUBLISHED_RESOLUTION[metric];
}

export const exceedsNoise = (metric: TrackedMetric, change: number, from: Repeatability, to: Repeatability): boolean =>
  Math.abs(change) > minimalDetectableChange(metric, from[metric], to[metric]);

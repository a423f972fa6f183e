import {
  type ChangeSignificance,
  ChangeSignificanceSchema,
  type MetricChange,
  type Repeatability,
  type TrackedMetric,
} from '../contracts/measurement-uncertainty';
import { minimalDetectableChange } from './repeatability';

// What a member reads about a change between two scans: each figure against its minimal detectable change,
// and one sentence. A change no larger than day-to-day variation is said to be so, never shown as a trend.

export const WITHIN_DAY_TO_DAY_VARIATION = 'within day-to-day variation';
export const BEYOND_DAY_TO_DAY_VARIATION = 'beyond day-to-day variation';

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

export function metricChange(metric: TrackedMetric, change: number, from: Repeatability, to: Repeatability): MetricChange {
  const mdc = minimalDetectableChange(metric, from[metric], to[metric]);
  return { change: round(change, 2), minimalDetectableChange: round(mdc, 2), beyondNoise: Math.abs(change) > mdc };
}

const signed = (v: number, digits: number) => `${v > 0 ? '+' : v < 0 ? '−' : '±'}${Math.abs(v).toFixed(digits)}`;

/** The member-facing sentence for a change over `days` days. */
export function describeChange(days: number, bodyFat: MetricChange, weight: MetricChange): string {
  const span = days < 1.5 ? 'in a day' : `over ${Math.round(days)} days`;
  const part = (label: string, m: MetricChange, unit: string, digits: number) =>
    `${label} ${signed(m.change, digits)} ${unit} ${span}: ${m.beyondNoise ? BEYOND_DAY_TO_DAY_VARIATION : WITHIN_DAY_TO_DAY_VARIATION} (a repeat scan can differ by up to ${m.minimalDetectableChange.toFixed(digits)} ${unit}).`;
  return [part('Body fat', bodyFat, 'points', 1), part('Weight', weight, 'kg', 1)].join(' ');
}

export interface ChangeInput {
  days: number;
  bodyFatPercent: number;
  weightKg: number;
  leanMassKg?: number;
}

/** Significance of a change, given the day-to-day variation of the earlier and the later scan. */
export function changeSignificance(change: ChangeInput, from: Repeatability, to: Repeatability): ChangeSignificance {
  const bodyFatPercent = metricChange('bodyFatPercent', change.bodyFatPercent, from, to);
  const weightKg = metricChange('weightKg', change.weightKg, from, to);
  const leanMassKg = change.leanMassKg === undefined ? undefined : metricChange('leanMassKg', change.leanMassKg, from, to);
  return ChangeSignificanceSchema.parse({
    bodyFatPercent,
    weightKg,
    ...(leanMassKg ? { leanMassKg } : {}),
    summary: describeChange(change.days, bodyFatPercent, weightKg),
  });
}

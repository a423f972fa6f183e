import type { Repeatability, TrackedMetric } from '../contracts/measurement-uncertainty';
import type { MemberTrendResponse, TrendPoint } from '../contracts/member-trend';
import type { ScanPoint } from '../contracts/scan-history';
import { BEYOND_DAY_TO_DAY_VARIATION, metricChange, WITHIN_DAY_TO_DAY_VARIATION } from './change-significance';
import { WEIGHT_SEM_KG, Z_95 } from './repeatability';
import { smoothedSeries } from './smoothing';

// The trend a member's app draws: scans in the window (oldest first), smoothed, a 95 % band of day-to-day
// variation around the smoothed line, and the change first → last against its minimal detectable change.

const DAY_MS = 86_400_000;
const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;
export const UNIT: Record<TrackedMetric, '%' | 'kg'> = { bodyFatPercent: '%', weightKg: 'kg', leanMassKg: 'kg' };
const LABEL: Record<TrackedMetric, string> = { bodyFatPercent: 'Body fat', weightKg: 'Weight', leanMassKg: 'Lean mass' };
const UNIT_WORD: Record<TrackedMetric, string> = { bodyFatPercent: 'points', weightKg: 'kg', leanMassKg: 'kg' };

/**
 * Day-to-day variation of a point: its own, or (written before it was recorded) the latest recorded one in
 * the window, or for weight the published weighing variation; a point with none of these has no band.
 */
function variationOf(points: readonly ScanPoint[]): (p: ScanPoint) => Repeatability | undefined {
  const latest = [...points].reverse().find((p) => p.repeatability)?.repeatability;
  return (p) => p.repeatability ?? latest;
}

export function memberTrend(input: { history: readonly ScanPoint[]; metric: TrackedMetric; days: number; now: Date }): MemberTrendResponse {
  const { metric, days, now } = input;
  const fromMs = now.getTime() - days * DAY_MS;
  const points = input.history
    .filter((p) => Date.parse(p.takenAt) >= fromMs && Date.parse(p.takenAt) <= now.getTime())
    .filter((p) => p[metric] !== undefined)
    .sort((a, b) => Date.parse(a.takenAt) - Date.parse(b.takenAt));
  const metricOf = (p: ScanPoint) => p[metric] as number;
  const variation = variationOf(points);
  const semOf = (p: ScanPoint) => variation(p)?.[metric] ?? (metric === 'weightKg' ? WEIGHT_SEM_KG : 0);
  const smooth = smoothedSeries(points.map((p) => ({ timeMs: Date.parse(p.takenAt), value: metricOf(p) })));
  const series: TrendPoint[] = points.map((p, i) => {
    const s = smooth[i] as number;
    const half = Z_95 * semOf(p);
    return {
      scanId: p.scanId,
      takenAt: p.takenAt,
      value: metricOf(p),
      smoothed: round(s, 2),
      band: { low: round(s - half, 2), high: round(s + half, 2) },
      method: p.method ?? null,
    };
  });
  const first = points[0];
  const last = points[points.length - 1];
  let change: MemberTrendResponse['change'] = null;
  if (first && last && first !== last) {
    const sem = (p: ScanPoint) => ({ bodyFatPercent: 0, weightKg: 0, leanMassKg: 0, [metric]: semOf(p) }) as Repeatability;
    const m = metricChange(metric, metricOf(last) - metricOf(first), sem(first), sem(last));
    const spanDays = (Date.parse(last.takenAt) - Date.parse(first.takenAt)) / DAY_MS;
    const sign = m.change > 0 ? '+' : m.change < 0 ? '−' : '±';
    change = {
      ...m,
      days: round(spanDays, 2),
      summary: `${LABEL[metric]} ${sign}${Math.abs(m.change).toFixed(1)} ${UNIT_WORD[metric]} over ${Math.round(spanDays)} days: ${
        m.beyondNoise ? BEYOND_DAY_TO_DAY_VARIATION : WITHIN_DAY_TO_DAY_VARIATION
      }.`,
    };
  }
  return {
    metric,
    unit: UNIT[metric],
    days,
    from: new Date(fromMs).toISOString(),
    to: now.toISOString(),
    points: series,
    change,
  };
}

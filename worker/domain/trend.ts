import { changeSignificance } from '../../common/body-composition/change-significance';
import { SMOOTHING_HALF_LIFE_DAYS, smoothedSeries } from '../../common/body-composition/smoothing';
import { type Change, type Trend, TrendSchema } from '../../common/contracts/deltas';
import { type ScanPoint, ScanPointSchema } from '../../common/contracts/scan-history';
import { DomainInputError } from './errors';
import { isImplausible, judgePlausibility, type Reading } from './plausibility';
import { round } from './validate';

export type { Change, Trend } from '../../common/contracts/deltas';
export { ChangeSchema, TrendSchema } from '../../common/contracts/deltas';
export type { ScanPoint } from '../../common/contracts/scan-history';
export { ScanPointSchema } from '../../common/contracts/scan-history';

const DAY_MS = 86_400_000;

export { SMOOTHING_HALF_LIFE_DAYS } from '../../common/body-composition/smoothing';
/** Reference windows: nearest scan to 7 (±3) and 30 (±7) days before the current one. */
export const SEVEN_DAY_WINDOW = { target: 7, tolerance: 3 } as const;
export const THIRTY_DAY_WINDOW = { target: 30, tolerance: 7 } as const;
/** Trend slope: least squares over scans in the last 30 days, needs ≥ 2 scans spanning ≥ 3 days. */
export const TREND_WINDOW_DAYS = 30;
export const TREND_MIN_SPAN_DAYS = 3;
/** |slope| below this (pp per week) is 'stable' — photo/equation estimates are noisier than this. */
export const STABLE_PP_PER_WEEK = 0.25;

function parsePoint(p: unknown, label: string): ScanPoint {
  const r = ScanPointSchema.safeParse(p);
  if (!r.success)
    throw new DomainInputError('invalid_scan_point', `${label} is not a valid scan point: ${r.error.issues[0]?.message ?? ''}`);
  return r.data;
}

const time = (p: ScanPoint): number => Date.parse(p.takenAt);

function change(current: ScanPoint, ref: ScanPoint): Change {
  const days = (time(current) - time(ref)) / DAY_MS;
  const bodyFatPercent = current.bodyFatPercent - ref.bodyFatPercent;
  const weightKg = current.weightKg - ref.weightKg;
  const leanMassKg = current.leanMassKg !== undefined && ref.leanMassKg !== undefined ? current.leanMassKg - ref.leanMassKg : undefined;
  // An earlier entry without its own day-to-day variation is taken to vary like this scan (same member, same method family).
  const to = current.repeatability;
  const from = ref.repeatability ?? to;
  return {
    fromScanId: ref.scanId,
    days: round(days, 2),
    bodyFatPercent: round(bodyFatPercent, 2),
    weightKg: round(weightKg, 2),
    ...(to && from ? { significance: changeSignificance({ days, bodyFatPercent, weightKg, leanMassKg }, from, to) } : {}),
  };
}

function nearest(current: ScanPoint, history: ScanPoint[], window: { target: number; tolerance: number }): ScanPoint | null {
  let best: ScanPoint | null = null;
  let bestDist = Infinity;
  for (const h of history) {
    const days = (time(current) - time(h)) / DAY_MS;
    const dist = Math.abs(days - window.target);
    // `<=` with history sorted oldest→newest: ties go to the more recent scan.
    if (dist <= window.tolerance && dist <= bestDist) {
      best = h;
      bestDist = dist;
    }
  }
  return best;
}

// Exponential smoothing (Brown 1956), time-aware: common/body-composition/smoothing.ts.
export function smoothed(points: ScanPoint[], field: 'bodyFatPercent' | 'weightKg', halfLifeDays = SMOOTHING_HALF_LIFE_DAYS): number {
  if (!points[0]) throw new DomainInputError('no_scan_points', 'at least one scan point is needed');
  const series = smoothedSeries(
    points.map((p) => ({ timeMs: time(p), value: p[field] })),
    halfLifeDays,
  );
  return series[series.length - 1] as number;
}

export const smoothBodyFat = (points: ScanPoint[], halfLifeDays = SMOOTHING_HALF_LIFE_DAYS): number =>
  smoothed(points, 'bodyFatPercent', halfLifeDays);

/** Ordinary least-squares slope of body fat against time, in pp per day; null when fewer than 2 points or span too short. */
function slopePerDay(points: ScanPoint[]): number | null {
  if (points.length < 2) return null;
  const t0 = time(points[0] as ScanPoint);
  const xs = points.map((p) => (time(p) - t0) / DAY_MS);
  const span = Math.max(...xs) - Math.min(...xs);
  if (span < TREND_MIN_SPAN_DAYS) return null;
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = points.reduce((a, p) => a + p.bodyFatPercent, 0) / points.length;
  let sxy = 0;
  let sxx = 0;
  points.forEach((p, i) => {
    const dx = (xs[i] as number) - mx;
    sxy += dx * (p.bodyFatPercent - my);
    sxx += dx * dx;
  });
  return sxy / sxx;
}

/**
 * Delta agent core (SPEC §4): changes vs previous / ~7 / ~30 days, smoothed level, weekly slope, and whether the
 * change is plausible (see plausibility.ts). `bodyFatAtWeight` is the equations' estimate for this member at a
 * given weight, so a change the equations make from a weight change alone is recognised as such.
 */
export function scanTrend(input: { current: ScanPoint; history: ScanPoint[]; bodyFatAtWeight?: (weightKg: number) => number }): Trend {
  const current = parsePoint(input.current, 'current');
  if (!Array.isArray(input.history)) throw new DomainInputError('invalid_scan_point', 'history must be an array');
  const history = input.history
    .map((h, i) => parsePoint(h, `history[${i}]`))
    .filter((h) => h.scanId !== current.scanId && time(h) <= time(current))
    .sort((a, b) => time(a) - time(b));

  const prevPoint = history[history.length - 1] ?? null;
  const previous = prevPoint ? change(current, prevPoint) : null;
  const seven = nearest(current, history, SEVEN_DAY_WINDOW);
  const thirty = nearest(current, history, THIRTY_DAY_WINDOW);

  let ratePerDay: number | null = null;
  if (prevPoint) {
    const days = (time(current) - time(prevPoint)) / DAY_MS;
    ratePerDay = round((current.bodyFatPercent - prevPoint.bodyFatPercent) / Math.max(days, 1), 3);
  }

  const windowPoints = [...history.filter((h) => (time(current) - time(h)) / DAY_MS <= TREND_WINDOW_DAYS), current];
  const slope = slopePerDay(windowPoints);
  const trendPerWeek = slope === null ? null : round(slope * 7, 2);
  const direction =
    trendPerWeek === null ? null : Math.abs(trendPerWeek) < STABLE_PP_PER_WEEK ? 'stable' : trendPerWeek < 0 ? 'losing' : 'gaining';

  const method = current.method ?? 'anthropometric-prior';
  const reading = (p: ScanPoint): Reading => ({
    scanId: p.scanId,
    timeMs: time(p),
    bodyFatPercent: p.bodyFatPercent,
    weightKg: p.weightKg,
    method: p.method ?? method,
  });
  // The trend stands in for a reference when there are at least two earlier scans to smooth.
  const trendReading: Reading | null =
    prevPoint && history.length >= 2
      ? {
          scanId: null,
          timeMs: time(prevPoint),
          bodyFatPercent: smoothed(history, 'bodyFatPercent'),
          weightKg: smoothed(history, 'weightKg'),
          method: prevPoint.method ?? method,
        }
      : null;
  const plausibility = judgePlausibility(
    { ...reading(current), method },
    prevPoint ? reading(prevPoint) : null,
    trendReading,
    input.bodyFatAtWeight,
  );

  return TrendSchema.parse({
    previous,
    sevenDay: seven ? change(current, seven) : null,
    thirtyDay: thirty ? change(current, thirty) : null,
    smoothedBodyFatPercent: round(smoothBodyFat([...history, current]), 2),
    trendPerWeek,
    direction,
    implausibleChange: isImplausible(plausibility),
    ratePerDay,
    plausibility,
    scansConsidered: history.length + 1,
  });
}

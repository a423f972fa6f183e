// Exponential smoothing (Brown 1956) made time-aware for irregular scans: alpha = 1 − 0.5^(Δdays / half-life).
// The delta agent smooths body fat with it; GET /api/me/trend draws the smoothed series.

const DAY_MS = 86_400_000;
/** EWMA half-life in days. */
export const SMOOTHING_HALF_LIFE_DAYS = 7;

export interface TimedValue {
  timeMs: number;
  value: number;
}

/** The smoothed value after each point (points oldest first). */
export function smoothedSeries(points: readonly TimedValue[], halfLifeDays = SMOOTHING_HALF_LIFE_DAYS): number[] {
  const out: number[] = [];
  let s = 0;
  let t = 0;
  points.forEach((p, i) => {
    if (i === 0) s = p.value;
    else s += (1 - 0.5 ** (Math.max(0, (p.timeMs - t) / DAY_MS) / halfLifeDays)) * (p.value - s);
    t = p.timeMs;
    out.push(s);
  });
  return out;
}

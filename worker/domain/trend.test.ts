import { describe, expect, it } from 'vitest';
import { TrendSchema } from '../../common/contracts/deltas';
import { type ScanPoint, scanTrend, smoothBodyFat } from './trend';

const pt = (scanId: string, takenAt: string, bodyFatPercent: number, weightKg: number): ScanPoint => ({
  scanId,
  takenAt,
  bodyFatPercent,
  weightKg,
});

describe('scanTrend', () => {
  it('first scan: no references, smoothed equals current', () => {
    const t = scanTrend({ current: pt('c', '2025-03-31T08:00:00Z', 20, 80), history: [] });
    expect(t.previous).toBeNull();
    expect(t.sevenDay).toBeNull();
    expect(t.thirtyDay).toBeNull();
    expect(t.smoothedBodyFatPercent).toBeCloseTo(20, 10);
    expect(t.trendPerWeek).toBeNull();
    expect(t.direction).toBeNull();
    expect(t.ratePerDay).toBeNull();
    expect(t.implausibleChange).toBe(false);
    expect(t.scansConsidered).toBe(1);
  });

  it('weekly scans: EWMA and least-squares slope', () => {
    // EWMA half-life 7 d, Δ = 7 d → alpha 0.5: 20 → 20 + 0.5·(18 − 20) = 19 → 19 + 0.5·(17 − 19) = 18
    // slope over (0,20),(7,18),(14,17): x̄ 7, ȳ 55/3; Sxy = −7·(5/3) + 7·(−4/3) = −21; Sxx = 98 → −0.2142857 pp/d → −1.5 pp/wk
    const t = scanTrend({
      current: pt('c', '2025-03-15T00:00:00Z', 17, 78),
      history: [pt('b', '2025-03-08T00:00:00Z', 18, 79), pt('a', '2025-03-01T00:00:00Z', 20, 80)],
    });
    expect(t.smoothedBodyFatPercent).toBeCloseTo(18, 10);
    expect(t.trendPerWeek).toBeCloseTo(-1.5, 10);
    expect(t.direction).toBe('losing');
    expect(t.previous).toEqual({ fromScanId: 'b', days: 7, bodyFatPercent: -1, weightKg: -1 });
    expect(t.sevenDay?.fromScanId).toBe('b');
    expect(t.thirtyDay).toBeNull(); // 14 days is outside 30 ± 7
    // rate −1 pp / 7 d = −0.143 → not implausible
    expect(t.ratePerDay).toBeCloseTo(-0.143, 10);
    expect(t.implausibleChange).toBe(false);
    expect(smoothBodyFat([pt('a', '2025-03-01T00:00:00Z', 20, 80), pt('b', '2025-03-15T00:00:00Z', 16, 80)])).toBeCloseTo(17, 10); // alpha 0.75
    expect(TrendSchema.parse(t)).toEqual(t);
  });

  it('picks nearest 7/30-day references and ignores same-id and future scans', () => {
    const current = pt('c', '2025-03-31T08:00:00Z', 20, 80);
    const t = scanTrend({
      current,
      history: [
        pt('a', '2025-03-01T08:00:00Z', 22, 82), // 30 d
        pt('b', '2025-03-23T08:00:00Z', 21, 81), // 8 d (|8−7| = 1)
        pt('c2', '2025-03-25T20:00:00Z', 20.8, 80.8), // 5.5 d (|5.5−7| = 1.5)
        pt('d', '2025-03-29T08:00:00Z', 20.3, 80.2), // 2 d
        pt('e', '2025-04-02T08:00:00Z', 10, 70), // after current → ignored
        { ...current, bodyFatPercent: 5 }, // same id → ignored
      ],
    });
    expect(t.scansConsidered).toBe(5);
    // previous d: 20 − 20.3 = −0.3 pp, 80 − 80.2 = −0.2 kg over 2 d; rate −0.15 → at the limit, not beyond
    expect(t.previous).toEqual({ fromScanId: 'd', days: 2, bodyFatPercent: -0.3, weightKg: -0.2 });
    expect(t.ratePerDay).toBeCloseTo(-0.15, 10);
    expect(t.implausibleChange).toBe(false);
    expect(t.sevenDay).toEqual({ fromScanId: 'b', days: 8, bodyFatPercent: -1, weightKg: -1 });
    expect(t.thirtyDay).toEqual({ fromScanId: 'a', days: 30, bodyFatPercent: -2, weightKg: -2 });
  });

  it('flags implausible changes', () => {
    // 25 → 24 in 2 days: 0.5 pp/day > 0.15
    const t = scanTrend({ current: pt('c', '2025-03-03T00:00:00Z', 24, 80), history: [pt('p', '2025-03-01T00:00:00Z', 25, 80)] });
    expect(t.ratePerDay).toBeCloseTo(-0.5, 10);
    expect(t.implausibleChange).toBe(true);
    // equations on both sides at the same weight: band = 0.15·2 physiology + 0.1 rounding = 0.4 pp < 1 pp
    expect(t.plausibility).toMatchObject({
      reason: 'body_fat_change_beyond_band',
      reference: 'previous',
      observed: { bodyFatPercent: -1 },
    });
    expect(t.plausibility?.expectedBand.bodyFatPercent).toBeCloseTo(0.4, 10);
    // same-day rescan: divide by max(days, 1) = 1 → 0.2 pp > 0.15
    const u = scanTrend({ current: pt('c', '2025-03-01T12:00:00Z', 25.2, 80), history: [pt('p', '2025-03-01T00:00:00Z', 25, 80)] });
    expect(u.ratePerDay).toBeCloseTo(0.2, 10);
    expect(u.implausibleChange).toBe(true);
    expect(u.trendPerWeek).toBeNull(); // span < 3 days
  });

  it('stable direction for a small slope', () => {
    // (0, 20) → (14, 20.2): 0.2/14·7 = 0.1 pp/week < 0.25
    const t = scanTrend({ current: pt('c', '2025-03-15T00:00:00Z', 20.2, 80), history: [pt('a', '2025-03-01T00:00:00Z', 20, 80)] });
    expect(t.trendPerWeek).toBeCloseTo(0.1, 10);
    expect(t.direction).toBe('stable');
  });

  it('rejects invalid points', () => {
    expect(() => scanTrend({ current: pt('c', 'yesterday', 20, 80), history: [] })).toThrowError(
      expect.objectContaining({ code: 'invalid_scan_point' }),
    );
    expect(() => scanTrend({ current: pt('c', '2025-03-01T00:00:00Z', 120, 80), history: [] })).toThrowError(
      expect.objectContaining({ code: 'invalid_scan_point' }),
    );
    expect(() =>
      scanTrend({ current: pt('c', '2025-03-01T00:00:00Z', 20, 80), history: [pt('', '2025-02-01T00:00:00Z', 20, 80)] }),
    ).toThrowError(expect.objectContaining({ code: 'invalid_scan_point' }));
  });
});

import { describe, expect, it } from 'vitest';
import { memberTrend } from './member-trend';
import { PHOTO_BODY_FAT_SEM_PP, WEIGHT_SEM_KG } from './repeatability';

const photo = { bodyFatPercent: PHOTO_BODY_FAT_SEM_PP, weightKg: WEIGHT_SEM_KG, leanMassKg: 0.85 };
const p = (scanId: string, day: number, bodyFatPercent: number, weightKg: number) => ({
  scanId,
  takenAt: new Date(Date.UTC(2026, 2, 1 + day, 8)).toISOString(),
  bodyFatPercent,
  weightKg,
  method: 'vision-fused' as const,
  repeatability: photo,
});
const now = new Date(Date.UTC(2026, 2, 31, 12));

describe('memberTrend', () => {
  it('six points of body fat over 30 days: beyond day-to-day variation, band around the smoothed line', () => {
    const t = memberTrend({
      history: [p('a', 0, 30, 90), p('b', 15, 27, 88), p('c', 30, 24, 86)],
      metric: 'bodyFatPercent',
      days: 31,
      now,
    });
    expect(t.points.map((x) => x.scanId)).toEqual(['a', 'b', 'c']);
    expect(t.points[0]?.smoothed).toBe(30);
    expect(t.points[0]?.band.high).toBeCloseTo(30 + 1.96 * PHOTO_BODY_FAT_SEM_PP, 2);
    expect(t.change?.change).toBe(-6);
    expect(t.change?.beyondNoise).toBe(true);
    expect(t.change?.summary).toBe('Body fat −6.0 points over 30 days: beyond day-to-day variation.');
  });
  it('weight 1 kg apart over two days: within day-to-day variation', () => {
    const t = memberTrend({ history: [p('a', 28, 24, 87), p('b', 30, 24, 86)], metric: 'weightKg', days: 7, now });
    expect(t.change?.beyondNoise).toBe(false);
    expect(t.change?.summary).toContain('within day-to-day variation');
  });
  it('keeps only the window and needs two scans for a change', () => {
    const t = memberTrend({ history: [p('old', 0, 30, 90), p('new', 29, 25, 86)], metric: 'weightKg', days: 7, now });
    expect(t.points.map((x) => x.scanId)).toEqual(['new']);
    expect(t.change).toBeNull();
  });
});

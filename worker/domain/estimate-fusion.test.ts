import { describe, expect, it } from 'vitest';
import { DISAGREEMENT_REASON, fuseEstimates } from './estimate-fusion';

describe('fuseEstimates', () => {
  it('weights each estimate by its confidence', () => {
    // (0.6·20 + 0.8·16) / 1.4 = 17.71; confidence (0.36 + 0.64) / 1.4 = 0.714
    const f = fuseEstimates({
      sex: 'male',
      weightKg: 80,
      prior: { bodyFatPercent: 20, confidence: 0.6 },
      vision: { bodyFatPercent: 16, confidence: 0.8 },
    });
    expect(f.bodyFatPercent).toBe(17.7);
    expect(f.confidence).toBe(0.71);
    expect(f.fatMassKg).toBe(14.2);
    expect(f.leanMassKg).toBe(65.8);
    expect(f.reviewReasons).toEqual([]);
  });

  it('a vision estimate with no confidence leaves the prior unchanged', () => {
    const f = fuseEstimates({
      sex: 'female',
      weightKg: 60,
      prior: { bodyFatPercent: 28, confidence: 0.6 },
      vision: { bodyFatPercent: 40, confidence: 0 },
    });
    expect(f.bodyFatPercent).toBe(28);
  });

  it('clamps an implausible vision value before fusing', () => {
    const f = fuseEstimates({
      sex: 'male',
      weightKg: 80,
      prior: { bodyFatPercent: 12, confidence: 0.5 },
      vision: { bodyFatPercent: 0.5, confidence: 0.5 },
    });
    expect(f.visionClamped).toBe(3);
    expect(f.bodyFatPercent).toBe(7.5);
  });

  it('flags a large disagreement for review and lowers the confidence', () => {
    const f = fuseEstimates({
      sex: 'male',
      weightKg: 80,
      prior: { bodyFatPercent: 22, confidence: 0.6 },
      vision: { bodyFatPercent: 10, confidence: 0.6 },
    });
    expect(f.disagreementPp).toBe(12);
    expect(f.reviewReasons).toEqual([DISAGREEMENT_REASON]);
    expect(f.confidence).toBe(0.2); // 0.6 − 0.05·(12 − 4)
  });

  it('does not flag a disagreement just under the threshold', () => {
    const f = fuseEstimates({
      sex: 'female',
      weightKg: 60,
      prior: { bodyFatPercent: 30, confidence: 0.6 },
      vision: { bodyFatPercent: 22.1, confidence: 0.6 },
    });
    expect(f.reviewReasons).toEqual([]);
  });
});

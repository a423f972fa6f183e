import { describe, expect, it } from 'vitest';
import { requestFingerprint } from './create-scan';

describe('requestFingerprint', () => {
  const body = {
    weightKg: 80.5,
    heightCm: 180,
    sex: 'male',
    age: 40,
    capturedAt: '2026-12-01T08:00:00.000Z',
    goal: 'lose',
    extra: { b: [2, 1], a: null },
  };

  it('is the same whatever the key order, and differs when a value does', () => {
    const reordered = {
      extra: { a: null, b: [2, 1] },
      goal: 'lose',
      capturedAt: '2026-12-01T08:00:00.000Z',
      age: 40,
      sex: 'male',
      heightCm: 180,
      weightKg: 80.5,
    };
    expect(requestFingerprint(reordered)).toBe(requestFingerprint(body));
    expect(requestFingerprint({ ...body, weightKg: 80.6 })).not.toBe(requestFingerprint(body));
    expect(requestFingerprint({ ...body, extra: { a: null, b: [1, 2] } })).not.toBe(requestFingerprint(body));
  });

  it('matches the fingerprints stored before it used the shared canonical JSON (a retried key still matches)', () => {
    // sha256 of the key-sorted JSON, as create-scan computed it with its own copy of the canonical form.
    expect(requestFingerprint(body)).toBe('154266cb5218b306a01825b3a1bf6aa011d2bf54a226f0f3c624bf96129261a5');
  });
});

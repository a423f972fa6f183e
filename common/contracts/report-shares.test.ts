import { describe, expect, it } from 'vitest';
import { CreateShareRequestSchema, MAX_SHARE_LIFETIME_DAYS, ShareFirstNameSchema, shareState } from './report-shares';

describe('report share links: state and request', () => {
  const expiresAt = '2026-12-10T12:00:00.000Z';
  it('a link is active until its expiry instant, expired from it on, and revoked whatever its expiry', () => {
    expect(shareState({ expiresAt }, new Date(Date.parse(expiresAt) - 1))).toBe('active');
    expect(shareState({ expiresAt }, new Date(expiresAt))).toBe('expired');
    expect(shareState({ expiresAt, revokedAt: '2026-12-09T00:00:00.000Z' }, new Date('2026-12-01T00:00:00.000Z'))).toBe('revoked');
  });

  it(`a lifetime of 1..${MAX_SHARE_LIFETIME_DAYS} whole days`, () => {
    for (const lifetimeDays of [1, MAX_SHARE_LIFETIME_DAYS])
      expect(CreateShareRequestSchema.safeParse({ lifetimeDays }).success).toBe(true);
    for (const lifetimeDays of [0, MAX_SHARE_LIFETIME_DAYS + 1, 2.5, '7'])
      expect(CreateShareRequestSchema.safeParse({ lifetimeDays }).success, String(lifetimeDays)).toBe(false);
  });

  it('a first name in any script, trimmed; no markup, digits or long strings', () => {
    expect(ShareFirstNameSchema.parse('  Ana  ')).toBe('Ana');
    for (const name of ['Zoë', 'Jean-Luc', "O'Brien", 'Łukasz', '美咲']) expect(ShareFirstNameSchema.parse(name)).toBe(name);
    for (const name of ['', '<b>Ana</b>', 'Ana1', '-Ana', 'A'.repeat(41), 'Ana\nBob'])
      expect(ShareFirstNameSchema.safeParse(name).success, name).toBe(false);
  });
});

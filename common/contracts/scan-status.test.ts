import { describe, expect, it } from 'vitest';
import { canMoveStatus, FINAL_STATUSES, ScanStatusSchema } from './scan';

describe('scan status is forward-only', () => {
  it.each([
    ['awaiting_upload', 'queued'],
    ['awaiting_upload', 'running'], // the workflow may begin before the trigger records queued
    ['queued', 'running'],
    ['running', 'awaiting_review'],
    ['awaiting_review', 'running'],
    ['running', 'completed'],
    ['awaiting_review', 'cancelled'],
    ['awaiting_upload', 'rejected'],
  ] as const)('%s → %s is allowed', (from, to) => {
    expect(canMoveStatus(from, to)).toBe(true);
  });

  it.each([
    ['running', 'queued'],
    ['running', 'awaiting_upload'],
    ['queued', 'awaiting_upload'],
    ['running', 'running'],
  ] as const)('%s → %s is refused', (from, to) => {
    expect(canMoveStatus(from, to)).toBe(false);
  });

  it('a final status never changes: a late running (or any) write is a no-op', () => {
    for (const from of FINAL_STATUSES) for (const to of ScanStatusSchema.options) expect(canMoveStatus(from, to)).toBe(false);
  });
});

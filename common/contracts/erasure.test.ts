import { describe, expect, it } from 'vitest';
import { memberOfErasureWorkflow, workflowIdForErasure } from './erasure';

describe("an erasure's workflow id names its member", () => {
  it.each([
    ['member_abc', 1],
    ['member-with-dashes-7', 12], // a member id may end in digits after a dash: the number is the last part
  ])('%s, erasure %i', (userId, sequence) => {
    expect(memberOfErasureWorkflow(workflowIdForErasure(userId, sequence))).toBe(userId);
  });

  it.each([
    'erase-member-member_abc', // no number
    'erase-member--3', // no member
    'erase-member-a b-2', // not a member id
    'daily-scan-scan_1',
    'archive-2026-03-04',
  ])('%s names none', (workflowId) => {
    expect(memberOfErasureWorkflow(workflowId)).toBeUndefined();
  });
});

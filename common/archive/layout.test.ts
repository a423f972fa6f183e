import { describe, expect, it } from 'vitest';
import {
  archiveWorkflowId,
  closedInWindowQuery,
  closeStatusName,
  compactInstant,
  historyBlobPath,
  manifestPartKey,
  manifestPartPath,
  manifestPath,
  manifestRevisionPath,
  nightlyWindow,
} from './layout';

describe('archive layout', () => {
  it('the nightly window is the previous UTC day, whenever the trigger fires that day', () => {
    const expected = { from: '2026-03-03T00:00:00.000Z', to: '2026-03-04T00:00:00.000Z' };
    expect(nightlyWindow(new Date('2026-03-04T02:00:00Z'))).toEqual(expected);
    expect(nightlyWindow(new Date('2026-03-04T00:00:00Z'))).toEqual(expected);
    expect(nightlyWindow(new Date('2026-03-04T23:59:59.999Z'))).toEqual(expected);
    // Across a month, a year and a leap day; local time zones play no part.
    expect(nightlyWindow(new Date('2026-01-01T02:00:00Z'))).toEqual({ from: '2025-12-31T00:00:00.000Z', to: '2026-01-01T00:00:00.000Z' });
    expect(nightlyWindow(new Date('2028-03-01T02:00:00+05:00'))).toEqual({
      from: '2028-02-28T00:00:00.000Z',
      to: '2028-02-29T00:00:00.000Z',
    });
  });

  it('one workflow id per window: the day for a whole UTC day, the instants otherwise, plus the filter', () => {
    expect(archiveWorkflowId(nightlyWindow(new Date('2026-03-04T02:00:00Z')))).toBe('archive-2026-03-03');
    expect(archiveWorkflowId({ from: '2026-03-03T00:00:00.000Z', to: '2026-03-03T12:00:00.000Z' })).toBe(
      'archive-20260303T000000000Z-20260303T120000000Z',
    );
    expect(archiveWorkflowId({ from: '2026-03-03T00:00:00.000Z', to: '2026-03-04T00:00:00.000Z', taskQueue: 'q-1' })).toBe(
      'archive-2026-03-03-tq-q-1',
    );
  });

  it('blob paths are dated by close time in UTC and keep ids in one path segment', () => {
    expect(historyBlobPath({ workflowId: 'daily-scan-scan_1', runId: 'r-1', closeTime: '2026-03-03T23:59:59.999Z' })).toBe(
      '2026/03/03/daily-scan-scan_1/r-1.json.gz',
    );
    expect(historyBlobPath({ workflowId: 'a/b c', runId: 'r', closeTime: '2026-12-31T00:00:00Z' })).toBe('2026/12/31/a%2Fb%20c/r.json.gz');
  });

  it('manifests are named by window (and filter), parts and revisions beside them', () => {
    const w = { from: '2026-03-03T00:00:00.000Z', to: '2026-03-04T00:00:00.000Z' };
    expect(manifestPath(w)).toBe('2026/03/03/manifest-20260303T000000000Z-20260304T000000000Z.json');
    expect(manifestPath({ ...w, taskQueue: 'tq' })).toBe('2026/03/03/manifest-20260303T000000000Z-20260304T000000000Z-tq-tq.json');
    const sha = 'ab'.repeat(32);
    expect(manifestRevisionPath(w, sha)).toBe('2026/03/03/manifest-20260303T000000000Z-20260304T000000000Z.abababababababab.json');
    expect(manifestPartKey(7, sha)).toBe('000007-abababababababab');
    expect(manifestPartPath(w, '000007-abababababababab')).toBe(
      '2026/03/03/manifest-20260303T000000000Z-20260304T000000000Z.parts/000007-abababababababab.json',
    );
  });

  it('the visibility query selects closed runs by close time, optionally one task queue, and refuses quotes', () => {
    const w = { from: '2026-03-03T00:00:00.000Z', to: '2026-03-04T00:00:00.000Z' };
    expect(closedInWindowQuery(w)).toBe(
      "CloseTime >= '2026-03-03T00:00:00.000Z' AND CloseTime < '2026-03-04T00:00:00.000Z' AND ExecutionStatus != 'Running'",
    );
    expect(closedInWindowQuery({ ...w, taskQueue: 'q' })).toMatch(/ AND TaskQueue = 'q'$/);
    expect(() => closedInWindowQuery({ ...w, taskQueue: "q' OR 1=1" })).toThrow();
  });

  it('names close statuses from the enum number or name', () => {
    expect(closeStatusName(2)).toBe('Completed');
    expect(closeStatusName(4)).toBe('Canceled');
    expect(closeStatusName(6)).toBe('ContinuedAsNew');
    expect(closeStatusName('WORKFLOW_EXECUTION_STATUS_TIMED_OUT')).toBe('TimedOut');
    expect(compactInstant('2026-03-04T05:06:07.089Z')).toBe('20260304T050607089Z');
  });
});

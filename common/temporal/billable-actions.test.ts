import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { countBillableActions } from './billable-actions';

const fixture = (name: string) =>
  JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'test', 'fixtures', 'histories', `${name}.json`), 'utf8'));

describe('countBillableActions', () => {
  it('counts a recorded completed scan: 1 start, 10 activities, 1 upsert', () => {
    const count = countBillableActions(fixture('completed'));
    expect(count.byKind).toMatchObject({ start: 1, activity: 10, upsert: 1, timer: 0, signal: 0, update: 0 });
    expect(count.total).toBe(12);
    expect(count.activities.beginScan).toBe(1);
  });

  it('counts each activity attempt, timers, signals, updates; not patch markers', () => {
    const count = countBillableActions({
      events: [
        { eventId: '1', workflowExecutionStartedEventAttributes: {} },
        { eventId: '2', markerRecordedEventAttributes: { markerName: 'core_patch' } },
        { eventId: '3', activityTaskScheduledEventAttributes: { activityType: { name: 'estimate' } } },
        { eventId: '4', activityTaskStartedEventAttributes: { scheduledEventId: '3', attempt: 3 } },
        { eventId: '5', timerStartedEventAttributes: {} },
        { eventId: '6', workflowExecutionSignaledEventAttributes: {} },
        { eventId: '7', workflowExecutionUpdateAcceptedEventAttributes: {} },
        { eventId: '8', upsertWorkflowSearchAttributesEventAttributes: {} },
        { eventId: '9', markerRecordedEventAttributes: { markerName: 'core_local_activity' } },
      ],
    });
    expect(count.byKind).toEqual({
      start: 1,
      activity: 3,
      timer: 1,
      upsert: 1,
      signal: 1,
      update: 1,
      child: 0,
      cancelExternal: 0,
      localActivity: 1,
    });
    expect(count.activities).toEqual({ estimate: 3 });
    expect(count.total).toBe(9);
    expect(count.events).toBe(9);
  });
});

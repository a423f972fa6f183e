// Billable Temporal Cloud actions of one workflow run, counted from its event history by the published
// rules (https://docs.temporal.io/cloud/actions): a workflow start, each activity attempt, a timer, a
// search-attribute or memo upsert, a signal received or sent, an accepted update, a child workflow start,
// a cancel request to another workflow, and local activities (counted per marker here: an upper bound,
// Temporal counts the local activities of one workflow task once). Patch (version) markers are not billed.
// Not in a history, so not counted here: queries received by a worker and heartbeats that reached the
// server — callers measure those separately (the status endpoint sends no query; see the worker's heartbeats).

/** The fields of a history event this count reads; both `temporal workflow show --output json` and
 * `WorkflowHandle.fetchHistory()` produce them. */
export interface HistoryEventLike {
  eventId?: unknown;
  workflowExecutionStartedEventAttributes?: unknown;
  activityTaskScheduledEventAttributes?: { activityType?: { name?: string | null } | null } | null;
  activityTaskStartedEventAttributes?: { scheduledEventId?: unknown; attempt?: number | null } | null;
  timerStartedEventAttributes?: unknown;
  upsertWorkflowSearchAttributesEventAttributes?: unknown;
  workflowPropertiesModifiedEventAttributes?: unknown;
  workflowExecutionSignaledEventAttributes?: unknown;
  signalExternalWorkflowExecutionInitiatedEventAttributes?: unknown;
  requestCancelExternalWorkflowExecutionInitiatedEventAttributes?: unknown;
  workflowExecutionUpdateAcceptedEventAttributes?: unknown;
  startChildWorkflowExecutionInitiatedEventAttributes?: unknown;
  markerRecordedEventAttributes?: { markerName?: string | null } | null;
}

export interface BillableActions {
  total: number;
  byKind: Record<'start' | 'activity' | 'timer' | 'upsert' | 'signal' | 'update' | 'child' | 'cancelExternal' | 'localActivity', number>;
  /** Attempts per activity type (a retried activity counts each attempt). */
  activities: Record<string, number>;
  events: number;
}

const NOT_BILLED_MARKERS = new Set(['core_patch', 'Version']);

export function countBillableActions(history: { events?: readonly HistoryEventLike[] | null }): BillableActions {
  const byKind: BillableActions['byKind'] = {
    start: 0,
    activity: 0,
    timer: 0,
    upsert: 0,
    signal: 0,
    update: 0,
    child: 0,
    cancelExternal: 0,
    localActivity: 0,
  };
  const events = history.events ?? [];
  const scheduled = new Map<string, { type: string; attempts: number }>();
  for (const e of events) {
    if (e.workflowExecutionStartedEventAttributes) byKind.start += 1;
    else if (e.activityTaskScheduledEventAttributes) {
      scheduled.set(String(e.eventId), { type: e.activityTaskScheduledEventAttributes.activityType?.name ?? '?', attempts: 1 });
    } else if (e.activityTaskStartedEventAttributes) {
      // The started event is written once per activity with the attempt that ran last: earlier attempts were retries.
      const a = scheduled.get(String(e.activityTaskStartedEventAttributes.scheduledEventId));
      if (a) a.attempts = Math.max(a.attempts, e.activityTaskStartedEventAttributes.attempt ?? 1);
    } else if (e.timerStartedEventAttributes) byKind.timer += 1;
    else if (e.upsertWorkflowSearchAttributesEventAttributes || e.workflowPropertiesModifiedEventAttributes) byKind.upsert += 1;
    else if (e.workflowExecutionSignaledEventAttributes || e.signalExternalWorkflowExecutionInitiatedEventAttributes) byKind.signal += 1;
    else if (e.workflowExecutionUpdateAcceptedEventAttributes) byKind.update += 1;
    else if (e.startChildWorkflowExecutionInitiatedEventAttributes) byKind.child += 1;
    else if (e.requestCancelExternalWorkflowExecutionInitiatedEventAttributes) byKind.cancelExternal += 1;
    else if (e.markerRecordedEventAttributes && !NOT_BILLED_MARKERS.has(e.markerRecordedEventAttributes.markerName ?? '')) {
      byKind.localActivity += 1;
    }
  }
  const activities: Record<string, number> = {};
  for (const { type, attempts } of scheduled.values()) {
    activities[type] = (activities[type] ?? 0) + attempts;
    byKind.activity += attempts;
  }
  const total = Object.values(byKind).reduce((a, b) => a + b, 0);
  return { total, byKind, activities, events: events.length };
}

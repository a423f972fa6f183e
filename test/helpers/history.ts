import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { stackEnv } from './stack';

export const HISTORY_FIXTURES = path.resolve(__dirname, '..', 'fixtures', 'histories');

type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

/**
 * With RECORD_HISTORIES=1, saves a finished run's history as a replay fixture, exported the way
 * Temporal documents for replay tests: `temporal workflow show --output json`. It waits for the run to
 * close first: a test that has seen what it checks (a scan document's status) may be ahead of the run's
 * last steps, and a fixture cut there would not replay the end.
 */
export async function maybeRecordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (!process.env.RECORD_HISTORIES) return;
  await handle.result().catch(() => undefined); // failed or cancelled runs are recorded too
  const env = stackEnv();
  if (!env.TEMPORAL_CLI) throw new Error('RECORD_HISTORIES needs the stack to run a temporal CLI');
  const json = execFileSync(
    env.TEMPORAL_CLI,
    [
      'workflow',
      'show',
      '--workflow-id',
      handle.workflowId,
      '--namespace',
      env.TEMPORAL_NAMESPACE!,
      '--address',
      env.TEMPORAL_ADDRESS!,
      '--output',
      'json',
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  mkdirSync(HISTORY_FIXTURES, { recursive: true });
  writeFileSync(path.join(HISTORY_FIXTURES, `${name}.json`), json);
}

/** Activity scheduling and completion, in event order, by activity type. */
export function activityTimeline(history: History) {
  const byScheduledId = new Map<number, string>();
  const timeline: Array<{ event: 'scheduled' | 'started' | 'completed' | 'failed'; activity: string; eventId: number; attempt?: number }> =
    [];
  for (const e of history.events ?? []) {
    const id = Number(e.eventId);
    if (e.activityTaskScheduledEventAttributes) {
      const name = e.activityTaskScheduledEventAttributes.activityType?.name ?? '?';
      byScheduledId.set(id, name);
      timeline.push({ event: 'scheduled', activity: name, eventId: id });
    } else if (e.activityTaskStartedEventAttributes) {
      const a = e.activityTaskStartedEventAttributes;
      timeline.push({
        event: 'started',
        activity: byScheduledId.get(Number(a.scheduledEventId)) ?? '?',
        eventId: id,
        attempt: a.attempt ?? undefined,
      });
    } else if (e.activityTaskCompletedEventAttributes) {
      timeline.push({
        event: 'completed',
        activity: byScheduledId.get(Number(e.activityTaskCompletedEventAttributes.scheduledEventId)) ?? '?',
        eventId: id,
      });
    } else if (e.activityTaskFailedEventAttributes) {
      timeline.push({
        event: 'failed',
        activity: byScheduledId.get(Number(e.activityTaskFailedEventAttributes.scheduledEventId)) ?? '?',
        eventId: id,
      });
    }
  }
  const at = (event: 'scheduled' | 'completed', activity: string) => {
    const hit = timeline.find((t) => t.event === event && t.activity === activity);
    if (!hit) throw new Error(`no ${event} event for ${activity}`);
    return hit.eventId;
  };
  return { timeline, at };
}

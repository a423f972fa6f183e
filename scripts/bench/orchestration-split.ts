// The orchestration overhead in parts (issue 27): where an activity's time beyond its own run goes, read
// from the workflow histories (each event carries the server's time), and how late the bench process's
// event loop ran while the worker shared it. Printed and written beside the overhead figures, for ours and
// for the floor in the same run, so every bench run shows which part of the overhead is ours.
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import type { Client } from '@temporalio/client';

type HistoryEvent = NonNullable<Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>['events']>[number];

const eventMs = (e: HistoryEvent) => Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;

/** Per activity and per workflow task of one history: when it was scheduled, started and completed (ms). */
export function historyTimes(events: HistoryEvent[]) {
  const activities = new Map<string, { name: string; activityId: string; scheduled: number; started?: number; completed?: number }>();
  const workflowTasks = new Map<string, { scheduled: number; started?: number; completed?: number }>();
  for (const e of events) {
    const id = String(e.eventId);
    const t = eventMs(e);
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) activities.set(id, { name: scheduled.activityType?.name ?? '', activityId: scheduled.activityId ?? '', scheduled: t });
    const started = e.activityTaskStartedEventAttributes;
    if (started) {
      const a = activities.get(String(started.scheduledEventId));
      if (a) a.started = t;
    }
    const completed = e.activityTaskCompletedEventAttributes;
    if (completed) {
      const a = activities.get(String(completed.scheduledEventId));
      if (a) a.completed = t;
    }
    if (e.workflowTaskScheduledEventAttributes) workflowTasks.set(id, { scheduled: t });
    const wtStarted = e.workflowTaskStartedEventAttributes;
    if (wtStarted) {
      const w = workflowTasks.get(String(wtStarted.scheduledEventId));
      if (w) w.started = t;
    }
    const wtCompleted = e.workflowTaskCompletedEventAttributes;
    if (wtCompleted) {
      const w = workflowTasks.get(String(wtCompleted.scheduledEventId));
      if (w) w.completed = t;
    }
  }
  return {
    activities: [...activities.values()].filter(
      (a): a is typeof a & { started: number; completed: number } => a.started !== undefined && a.completed !== undefined,
    ),
    workflowTasks: [...workflowTasks.values()].filter(
      (w): w is typeof w & { started: number; completed: number } => w.started !== undefined && w.completed !== undefined,
    ),
  };
}

/** The parts, each ascending: per activity, the whole beyond its run and its two halves; per workflow task, its two halves. */
export interface OverheadSplit {
  /** Scheduled → completed minus the activity's own run time (the figure with the 1.3 × goal). */
  beyondRun: number[];
  /** Scheduled → started: the task waiting on the server for a poller with a free activity slot. */
  activityQueue: number[];
  /** Started → completed minus the run: in the worker around the activity (decoding its input, interceptors, encoding its result, reporting it). */
  activityInWorker: number[];
  /** Workflow task scheduled → started: waiting for a workflow task poller (sticky queue or not). */
  workflowTaskQueue: number[];
  /** Workflow task started → completed: the worker activating the workflow code and answering with its commands. */
  workflowTaskInWorker: number[];
}

/** The split over these workflows; `runTimes` holds each activity's own run, keyed `workflowId/activityId`. */
export async function overheadSplit(client: Client, workflowIds: string[], runTimes: Map<string, number>): Promise<OverheadSplit> {
  const split: OverheadSplit = { beyondRun: [], activityQueue: [], activityInWorker: [], workflowTaskQueue: [], workflowTaskInWorker: [] };
  for (const id of workflowIds) {
    const history = await client.workflow.getHandle(id).fetchHistory();
    const times = historyTimes(history.events ?? []);
    for (const a of times.activities) {
      const own = runTimes.get(`${id}/${a.activityId}`);
      if (own === undefined) continue;
      split.beyondRun.push(Math.max(0, a.completed - a.scheduled - own));
      split.activityQueue.push(a.started - a.scheduled);
      split.activityInWorker.push(Math.max(0, a.completed - a.started - own));
    }
    for (const w of times.workflowTasks) {
      split.workflowTaskQueue.push(w.started - w.scheduled);
      split.workflowTaskInWorker.push(w.completed - w.started);
    }
  }
  for (const part of Object.values(split)) part.sort((a: number, b: number) => a - b);
  return split;
}

export const SPLIT_PARTS: Array<[keyof OverheadSplit, string]> = [
  ['activityQueue', 'activity scheduled → started (queue, poll, slot)'],
  ['activityInWorker', 'activity started → completed beyond its run (in the worker)'],
  ['workflowTaskQueue', 'workflow task scheduled → started'],
  ['workflowTaskInWorker', 'workflow task started → completed (in the worker)'],
];

/** How late the process's event loop ran (ms) while `work` ran: the worker shares it with the bench. */
export async function withEventLoopDelay<T>(
  work: () => Promise<T>,
): Promise<{ result: T; delay: { p50: number; p99: number; max: number } }> {
  const h: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  try {
    const result = await work();
    return { result, delay: { p50: h.percentile(50) / 1e6, p99: h.percentile(99) / 1e6, max: h.max / 1e6 } };
  } finally {
    h.disable();
  }
}

// Pure functions of the archive layout: windows, workflow ids, blob names, the visibility query.
// No I/O here: the workflow, the activities, the scripts and the timer all compute names the same way.
import type { ArchiveWindow } from '../contracts/archive';

const DAY_MS = 86_400_000;
const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `2026-03-04T05:06:07.089Z` → `20260304T050607089Z` (sortable, safe in blob and workflow ids). */
export function compactInstant(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new RangeError(`not an instant: ${iso}`);
  return d.toISOString().replace(/[-:.]/g, '');
}

/** `{yyyy}/{mm}/{dd}` of an instant, in UTC. */
export function utcDayPath(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new RangeError(`not an instant: ${iso}`);
  return `${d.getUTCFullYear()}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}`;
}

/** The previous UTC day, [yesterday 00:00, today 00:00), for a trigger firing at `now`. */
export function nightlyWindow(now: Date): ArchiveWindow {
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  return { from: new Date(today - DAY_MS).toISOString(), to: new Date(today).toISOString() };
}

/** A window that is exactly one UTC day. */
export function isWholeUtcDay(w: ArchiveWindow): boolean {
  const from = Date.parse(w.from);
  return from % DAY_MS === 0 && Date.parse(w.to) - from === DAY_MS;
}

/** Ids and names are built from these; other characters are percent-encoded. */
const safeSegment = (s: string) => encodeURIComponent(s).replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * One workflow id per window, so a second trigger for the same night finds the first:
 * `archive-2026-03-04` for a whole UTC day, `archive-{from}-{to}` otherwise, plus the task queue filter.
 */
export function archiveWorkflowId(w: ArchiveWindow): string {
  const base = isWholeUtcDay(w) ? `archive-${w.from.slice(0, 10)}` : `archive-${compactInstant(w.from)}-${compactInstant(w.to)}`;
  return w.taskQueue ? `${base}-tq-${w.taskQueue}` : base;
}

/** `{yyyy}/{mm}/{dd}/{workflowId}/{runId}.json.gz`, dated by the run's close time (UTC). */
export function historyBlobPath(e: { workflowId: string; runId: string; closeTime: string }): string {
  return `${utcDayPath(e.closeTime)}/${safeSegment(e.workflowId)}/${safeSegment(e.runId)}.json.gz`;
}

/** The window's manifest, dated by the window start: `{yyyy}/{mm}/{dd}/manifest-{from}-{to}[-tq-{queue}].json`. */
export function manifestBase(w: ArchiveWindow): string {
  const tq = w.taskQueue ? `-tq-${safeSegment(w.taskQueue)}` : '';
  return `${utcDayPath(w.from)}/manifest-${compactInstant(w.from)}-${compactInstant(w.to)}${tq}`;
}

export const manifestPath = (w: ArchiveWindow) => `${manifestBase(w)}.json`;

/** A revision written when a manifest already exists with other content (the archive never overwrites). */
export const manifestRevisionPath = (w: ArchiveWindow, sha256: string) => `${manifestBase(w)}.${sha256.slice(0, 16)}.json`;

/** The window's audit trail (hash-chained, common/archive/audit-trail.ts), beside its manifest. */
export const auditTrailPath = (w: ArchiveWindow) => `${manifestBase(w)}.audit-trail.jsonl`;
/** A revision of it, written when the window's records changed after it was written (never an overwrite). */
export const auditTrailRevisionPath = (w: ArchiveWindow, sha256: string) => `${manifestBase(w)}.audit-trail.${sha256.slice(0, 16)}.jsonl`;

/** Part `{page}-{sha}` of a manifest: the entries of one page, content-addressed so a retry finds its own part. */
export const manifestPartKey = (page: number, sha256: string) => `${pad(page, 6)}-${sha256.slice(0, 16)}`;
export const manifestPartPath = (w: ArchiveWindow, key: string) => `${manifestBase(w)}.parts/${key}.json`;

/** Closed executions whose close time is in the window (visibility query; values are validated upstream). */
export function closedInWindowQuery(w: ArchiveWindow): string {
  const q = `CloseTime >= '${w.from}' AND CloseTime < '${w.to}' AND ExecutionStatus != 'Running'`;
  if (w.taskQueue && !/^[A-Za-z0-9._:@/-]+$/.test(w.taskQueue))
    throw new RangeError('task queue filter has characters a query cannot carry');
  return w.taskQueue ? `${q} AND TaskQueue = '${w.taskQueue}'` : q;
}

/** `WORKFLOW_EXECUTION_STATUS_COMPLETED` (or the enum number) → `Completed`. */
export function closeStatusName(status: unknown): string {
  const names = ['Unspecified', 'Running', 'Completed', 'Failed', 'Canceled', 'Terminated', 'ContinuedAsNew', 'TimedOut'];
  if (typeof status === 'number') return names[status] ?? `Status${status}`;
  const s = String(status ?? 'Unspecified').replace(/^WORKFLOW_EXECUTION_STATUS_/, '');
  return s.toLowerCase().replace(/(^|_)([a-z])/g, (_m, _s, c: string) => c.toUpperCase());
}

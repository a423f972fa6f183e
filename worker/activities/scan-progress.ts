import { ApplicationFailure, Context } from '@temporalio/activity';
import { FailureType } from '../../common/contracts/failures';
import { SCAN_STEP_PERCENT, type ScanStatus, type ScanStep } from '../../common/contracts/scan';
import type { ScanAuditEntry } from '../../common/scans/audit-log';
import { ScanMissingError, updateScan } from '../../common/scans/repository';
import type { ActivityDeps } from './deps';

// Progress and audit writes shared by the activities that move a scan (kept apart from scan-records.ts,
// which imports the results schema, so the agents can use it without an import cycle).

export const WORKER = 'system:worker';

export const progressOf = (status: ScanStatus, step: ScanStep) => ({ status, step, percent: SCAN_STEP_PERCENT[step] });

/**
 * This activity execution, the same for each of its attempts (workflow run and activity id): what an
 * earlier attempt wrote is found by it, and a later execution of the same activity is a new occurrence.
 * Undefined outside an activity (a test calling the function directly).
 */
export function activityOccurrence(): string | undefined {
  try {
    const { workflowExecution, activityId } = Context.current().info;
    return workflowExecution ? `${workflowExecution.workflowId}.${workflowExecution.runId}.${activityId}` : undefined;
  } catch {
    return undefined;
  }
}

/** A scan that vanished cannot be helped by a retry. */
export function scanNotFound(err: unknown): never {
  if (err instanceof ScanMissingError)
    throw ApplicationFailure.create({ type: FailureType.ScanNotFound, message: err.message, nonRetryable: true });
  throw err;
}

/**
 * Records a step the scan has reached (progress for the app, listening to scans/{scanId}) with the audit
 * record of what the step did, in one transaction; a finished scan is left alone, and progress never goes
 * back (the estimate may finish before the photo judgement it runs beside).
 */
export async function recordScanStep(
  { db, now }: Pick<ActivityDeps, 'db' | 'now'>,
  step: { scanId: string; userId?: string | undefined; step: ScanStep; audit?: { action: string; outcome: string } },
): Promise<void> {
  const audits: ScanAuditEntry[] =
    step.audit && step.userId ? [{ scanId: step.scanId, userId: step.userId, actor: WORKER, ...step.audit }] : [];
  await updateScan(db, step.scanId, {
    now: now(),
    progress: progressOf('running', step.step),
    audits,
    occurrence: activityOccurrence(),
  }).catch(scanNotFound);
}

import type { Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { temporalClientSdk } from '../clients/sdk-modules';
import type { Config } from '../config';
import { type DailyScanInput, DailyScanInputSchema, workflowIdForScan } from '../contracts/scan';
import type { ScanDocument } from '../contracts/scan-document';
import { ScanProgressKey, ScanStatusKey } from '../contracts/search-attributes';
import { DAILY_SCAN_WORKFLOW } from '../contracts/workflow-types';
import { INTERACTIVE_PRIORITY } from '../temporal/priority';

/** The workflow input for a scan record, with the pipeline policy taken from config. */
export function dailyScanInput(scan: ScanDocument, config: Config): DailyScanInput {
  return DailyScanInputSchema.parse({
    scanId: scan.scanId,
    userId: scan.ownerId,
    measurements: scan.measurements,
    photos: scan.photos,
    review: {
      timeoutSeconds: config.REVIEW_TIMEOUT_SECONDS,
      onTimeout: config.REVIEW_TIMEOUT_DECISION,
      minConfidence: config.REVIEW_MIN_CONFIDENCE,
    },
    photoRetentionOnFailure: config.PHOTO_RETENTION_ON_FAILURE,
  });
}

/**
 * Starts `daily-scan-{scanId}` once, however many triggers call this: a running one is reused
 * (conflict policy) and a finished one is never started again (reuse policy).
 */
export async function startDailyScan(client: Client, config: Config, scan: ScanDocument, taskQueue = config.TEMPORAL_TASK_QUEUE) {
  const workflowId = workflowIdForScan(scan.scanId);
  try {
    const handle = await client.workflow.start(DAILY_SCAN_WORKFLOW, {
      taskQueue,
      priority: INTERACTIVE_PRIORITY,
      workflowId,
      args: [dailyScanInput(scan, config)],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      typedSearchAttributes: [
        { key: ScanStatusKey, value: 'running' },
        { key: ScanProgressKey, value: 0 },
      ],
    });
    return { workflowId, runId: handle.firstExecutionRunId, alreadyFinished: false };
  } catch (err) {
    if (err instanceof temporalClientSdk().WorkflowExecutionAlreadyStartedError)
      return { workflowId, runId: undefined, alreadyFinished: true };
    throw err;
  }
}

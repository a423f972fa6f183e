import type { Client } from '@temporalio/client';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { temporalClientSdk } from '../clients/sdk-modules';
import type { Config } from '../config';
import { type ArchiveTuning, type ArchiveWindow, ArchiveWindowSchema, type ArchiveWorkflowInput } from '../contracts/archive';
import { ARCHIVE_WORKFLOW } from '../contracts/workflow-types';
import { BACKGROUND_PRIORITY } from '../temporal/priority';
import { archiveWorkflowId } from './layout';

/** The archive's tuning from config (page size, concurrency, pages per run). */
export function archiveTuning(config: Config): Partial<ArchiveTuning> {
  return { pageSize: config.ARCHIVE_PAGE_SIZE, concurrency: config.ARCHIVE_CONCURRENCY, pagesPerRun: config.ARCHIVE_PAGES_PER_RUN };
}

export interface StartArchiveOptions {
  taskQueue?: string;
  tuning?: Partial<ArchiveTuning>;
  /**
   * `once` (the nightly trigger): a window already archived or being archived starts nothing new.
   * `rerun` (by hand): a running job is joined, a finished one runs again (writing nothing it already wrote).
   */
  mode?: 'once' | 'rerun';
}

/** Starts the archive workflow for a window under its idempotent id `archive-…`. */
export async function startArchive(client: Client, config: Config, window: ArchiveWindow, opts: StartArchiveOptions = {}) {
  const w = ArchiveWindowSchema.parse(window);
  const workflowId = archiveWorkflowId(w);
  const input: ArchiveWorkflowInput = { ...w, tuning: { ...archiveTuning(config), ...opts.tuning } };
  try {
    const handle = await client.workflow.start(ARCHIVE_WORKFLOW, {
      taskQueue: opts.taskQueue ?? config.TEMPORAL_TASK_QUEUE,
      priority: BACKGROUND_PRIORITY,
      workflowId,
      args: [input],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: opts.mode === 'rerun' ? WorkflowIdReusePolicy.ALLOW_DUPLICATE : WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
    return { workflowId, runId: handle.firstExecutionRunId, started: true as const };
  } catch (err) {
    if (err instanceof temporalClientSdk().WorkflowExecutionAlreadyStartedError)
      return { workflowId, runId: undefined, started: false as const };
    throw err;
  }
}

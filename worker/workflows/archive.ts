import type { RetryPolicy } from '@temporalio/common';
import { ApplicationFailure, continueAsNew, log, proxyActivities, setWorkflowOptions, workflowInfo } from '@temporalio/workflow';
import {
  type ArchiveCounts,
  type ArchiveCursor,
  ArchiveFailureType,
  type ArchiveWindow,
  type ArchiveWorkflowInput,
  type ArchiveWorkflowResult,
  DEFAULT_ARCHIVE_TUNING,
  zeroCounts,
} from '../../common/contracts/archive';
import { FailureType } from '../../common/contracts/failures';
import type { ArchiveActivities } from '../activities/archive';

// The nightly archive: pages through the window's closed executions, one activity per page (which
// archives the page's histories with bounded concurrency and heartbeats its position), then joins the
// pages' parts into the window's manifest. The cursor lives in this workflow and continues as new every
// `pagesPerRun` pages, so no run's history grows with the size of the window.

const add = (a: ArchiveCounts, b: ArchiveCounts): ArchiveCounts => ({
  listed: a.listed + b.listed,
  written: a.written + b.written,
  alreadyArchived: a.alreadyArchived + b.alreadyArchived,
  conflicts: a.conflicts + b.conflicts,
});

const MAX_CONFLICTS_CARRIED = 20;

// AUTO_UPGRADE, not pinned: the archive is a scheduled batch that continues as new page after page; pinned,
// it would hold an old build's workers alive for as long as it runs. Each run starts on the current build
// and its pages are idempotent activities, so it always works with the code that is deployed.
setWorkflowOptions({ versioningBehavior: 'AUTO_UPGRADE' }, archiveWorkflow);

export async function archiveWorkflow(input: ArchiveWorkflowInput): Promise<ArchiveWorkflowResult> {
  const tuning = { ...DEFAULT_ARCHIVE_TUNING, ...input.tuning };
  const window: ArchiveWindow = { from: input.from, to: input.to, ...(input.taskQueue ? { taskQueue: input.taskQueue } : {}) };
  const retry: RetryPolicy = {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    // Crashes and outages retry until the page is done; bad input and missing setup do not.
    nonRetryableErrorTypes: [FailureType.InvalidActivityInput, ArchiveFailureType.NotConfigured],
  };
  const pages = proxyActivities<ArchiveActivities>({
    startToCloseTimeout: '1 hour',
    heartbeatTimeout: `${tuning.heartbeatTimeoutSeconds} seconds`,
    retry,
  });
  const manifest = proxyActivities<ArchiveActivities>({ startToCloseTimeout: '30 minutes', heartbeatTimeout: '2 minutes', retry });

  let cursor: ArchiveCursor = input.cursor ?? { page: 0, counts: zeroCounts(), parts: [], conflictBlobs: [], continuedRuns: 0 };
  let pagesThisRun = 0;
  let lastPage = false;
  while (!lastPage) {
    const r = await pages.archivePage({
      window,
      page: cursor.page,
      pageToken: cursor.nextPageToken,
      pageSize: tuning.pageSize,
      concurrency: tuning.concurrency,
    });
    cursor = {
      ...cursor,
      page: cursor.page + 1,
      nextPageToken: r.nextPageToken,
      counts: add(cursor.counts, r.counts),
      parts: r.part ? [...cursor.parts, r.part] : cursor.parts,
      conflictBlobs: [...cursor.conflictBlobs, ...r.conflictBlobs].slice(0, MAX_CONFLICTS_CARRIED),
    };
    lastPage = !r.nextPageToken;
    pagesThisRun++;
    if (!lastPage && (pagesThisRun >= tuning.pagesPerRun || workflowInfo().continueAsNewSuggested)) {
      log.info('archive continues as new', { page: cursor.page, listed: cursor.counts.listed });
      await continueAsNew<typeof archiveWorkflow>({ ...input, cursor: { ...cursor, continuedRuns: cursor.continuedRuns + 1 } });
    }
  }

  if (cursor.counts.conflicts > 0) {
    // The alert: some archived blobs hold other histories than Temporal does. Nothing was overwritten,
    // and no manifest is written over an archive in that state (the one already there, if any, stands).
    throw ApplicationFailure.create({
      type: ArchiveFailureType.ChecksumConflict,
      message: `${cursor.counts.conflicts} archived histories differ from Temporal's: ${cursor.conflictBlobs.join(', ')}`,
      details: [{ window, counts: cursor.counts, conflictBlobs: cursor.conflictBlobs }],
      nonRetryable: true,
    });
  }
  const written = await manifest.writeArchiveManifest({ window, parts: cursor.parts });
  return { window, counts: cursor.counts, manifest: written, pages: cursor.page, continuedRuns: cursor.continuedRuns };
}

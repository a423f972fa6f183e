import { z } from 'zod';

// Contracts of the nightly archive: the workflow's input (with the cursor it carries across
// continue-as-new), the activities' inputs and outputs, and the manifest entry format.

/** Stable failure types of the archive (workflows and scripts match on these, never on messages). */
export const ArchiveFailureType = {
  /** An archived blob exists with a different checksum than the history Temporal holds: an alert, never an overwrite. */
  ChecksumConflict: 'ArchiveChecksumConflict',
  /** The worker was started without a Temporal client for the archive activities. */
  NotConfigured: 'ArchiveNotConfigured',
} as const;

const isoInstant = z.iso.datetime({ offset: false });
/** Task queue names are used inside a visibility query, so quotes and backslashes are refused. */
export const TaskQueueFilterSchema = z.string().regex(/^[A-Za-z0-9._:@/-]{1,200}$/, 'expected a plain task queue name');

export const ArchiveWindowSchema = z
  .object({
    /** Inclusive lower bound of CloseTime (ISO, UTC). */
    from: isoInstant,
    /** Exclusive upper bound of CloseTime (ISO, UTC). */
    to: isoInstant,
    /** Only executions of this task queue (tests, benches); production archives the whole namespace. */
    taskQueue: TaskQueueFilterSchema.optional(),
  })
  .refine((w) => Date.parse(w.from) < Date.parse(w.to), { message: 'from must be before to', path: ['to'] });
export type ArchiveWindow = z.infer<typeof ArchiveWindowSchema>;

export interface ArchiveCounts {
  /** Closed executions listed in the window. */
  listed: number;
  /** Blobs this job wrote. */
  written: number;
  /** Blobs that already held the same history (same checksum). */
  alreadyArchived: number;
  /** Blobs that hold a different history than Temporal does (alert). */
  conflicts: number;
}

export const zeroCounts = (): ArchiveCounts => ({ listed: 0, written: 0, alreadyArchived: 0, conflicts: 0 });

export interface ArchiveTuning {
  pageSize: number;
  concurrency: number;
  pagesPerRun: number;
  /** Heartbeat timeout of the page activity: how soon a crashed worker's page is retried elsewhere. */
  heartbeatTimeoutSeconds: number;
}

export const DEFAULT_ARCHIVE_TUNING: ArchiveTuning = { pageSize: 200, concurrency: 8, pagesPerRun: 50, heartbeatTimeoutSeconds: 30 };

/** Where the job stands; carried across continue-as-new. */
export interface ArchiveCursor {
  /** Index of the next page to archive. */
  page: number;
  /** Visibility page token of the next page (base64); absent on the first page. */
  nextPageToken?: string;
  counts: ArchiveCounts;
  /** Manifest parts written so far, as `{page}-{sha}` keys, in page order. */
  parts: string[];
  /** Blob paths in conflict (the first few, for the alert). */
  conflictBlobs: string[];
  /** Runs of this job before the current one (continue-as-new). */
  continuedRuns: number;
}

export interface ArchiveWorkflowInput extends ArchiveWindow {
  tuning?: Partial<ArchiveTuning>;
  cursor?: ArchiveCursor;
}

export interface ArchiveWorkflowResult {
  window: ArchiveWindow;
  counts: ArchiveCounts;
  manifest: {
    blob: string;
    sha256: string;
    count: number;
    outcome: 'written' | 'already_archived' | 'revised';
    /** The window's audit records, hash-chained (common/archive/audit-trail.ts); absent in runs from before it. */
    auditTrail?: { blob: string; sha256: string; count: number; outcome: 'written' | 'already_archived' | 'revised' };
  };
  pages: number;
  continuedRuns: number;
}

/** One archived history, as listed in the manifest. Identifiers and metadata only. */
export const ManifestEntrySchema = z.object({
  blob: z.string(),
  workflowId: z.string(),
  runId: z.string(),
  workflowType: z.string(),
  closeStatus: z.string(),
  closeTime: z.string(),
  eventCount: z.number().int().nonnegative(),
  /** SHA-256 (hex) of the uncompressed history JSON. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** Stored (gzip) size. */
  bytes: z.number().int().nonnegative(),
});
export type ManifestEntry = z.infer<typeof ManifestEntrySchema>;

export const ArchivePageInputSchema = z.object({
  window: ArchiveWindowSchema,
  page: z.number().int().nonnegative(),
  pageToken: z.string().optional(),
  pageSize: z.number().int().min(1).max(1000),
  concurrency: z.number().int().min(1).max(64),
});
export type ArchivePageInput = z.infer<typeof ArchivePageInputSchema>;

export interface ArchivePageResult {
  /** Token of the following page; absent when this was the last. */
  nextPageToken?: string;
  counts: ArchiveCounts;
  /** `{page}-{sha}` key of the manifest part written for this page; absent for an empty page. */
  part?: string;
  conflictBlobs: string[];
}

export const WriteManifestInputSchema = z.object({
  window: ArchiveWindowSchema,
  parts: z.array(z.string().regex(/^\d{6}-[0-9a-f]{16}$/)),
});
export type WriteManifestInput = z.infer<typeof WriteManifestInputSchema>;

/** Blob metadata keys (Azure metadata names must be C# identifiers; they come back lower-cased). */
export const ArchiveMetadata = {
  sha256: 'sha256',
  workflowId: 'workflowid',
  runId: 'runid',
  workflowType: 'workflowtype',
  closeStatus: 'closestatus',
  closeTime: 'closetime',
  eventCount: 'eventcount',
  format: 'format',
} as const;

/** The stored format: `temporal workflow show --output json` with sorted keys, gzip'd; the checksum covers the JSON. */
export const ARCHIVE_FORMAT = 'temporal-history-json;keys=sorted;gzip;sha256=uncompressed';

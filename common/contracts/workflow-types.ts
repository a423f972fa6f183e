// Workflow type names: one home for the starter (functions), the worker's registration and the archive.

/**
 * Every scan runs as this type. The name keeps its V3 suffix because renaming a type strands the scans
 * already running under the old name; it never calls `patched()`, whose marker makes the SDK upsert
 * `TemporalChangeVersion`, one billable action per scan for as long as the patch lives.
 */
export const DAILY_SCAN_WORKFLOW = 'dailyScanWorkflowV3';

/**
 * Every erasure runs as this type (worker/workflows/erase-member.ts); erasures started before the last
 * sweep after the upload URLs expired replay their recorded path, new ones take the patched branch.
 */
export const ERASE_MEMBER_WORKFLOW = 'eraseMemberWorkflow';

/** The nightly archive of closed histories (worker/workflows/archive.ts). */
export const ARCHIVE_WORKFLOW = 'archiveWorkflow';

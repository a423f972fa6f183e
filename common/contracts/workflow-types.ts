// Workflow type names: one home for the starter (functions), the worker's registration and the archive.

/**
 * Every scan runs as this type. The name keeps its V3 suffix because renaming a type strands the scans
 * already running under the old name; it never calls `patched()`, whose marker makes the SDK upsert
 * `TemporalChangeVersion`, one billable action per scan for as long as the patch lives.
 */
export const DAILY_SCAN_WORKFLOW = 'dailyScanWorkflowV3';

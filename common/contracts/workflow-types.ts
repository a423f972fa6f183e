// Workflow type names: one home for the starter (functions), the worker's registration and the archive.

/**
 * New scans start as this type. It runs the pipeline whose activities write status, progress and audit
 * records, with no patch marker: `patched()` makes the SDK upsert `TemporalChangeVersion`, one billable
 * action per scan for the whole life of the patch. A new type is Temporal's other way to version a
 * workflow, and it costs nothing at run time.
 */
export const DAILY_SCAN_WORKFLOW = 'dailyScanWorkflowV3';

/** Scans started before V3 keep their recorded type; the worker still runs and replays them. */
export const LEGACY_DAILY_SCAN_WORKFLOW = 'dailyScanWorkflow';

/** Every type whose runs are a member's scan (the archive keys their histories to the member). */
export const DAILY_SCAN_WORKFLOW_TYPES: readonly string[] = [DAILY_SCAN_WORKFLOW, LEGACY_DAILY_SCAN_WORKFLOW];

// Every telemetry name the code emits and the alert rules (infra/app/alerts.bicep) query lives in
// ./telemetry-names.json, the one file both read (Bicep through loadJsonContent). This module types it.
import names from './telemetry-names.json';

/** The tracer (instrumentation scope) our own spans are created under. */
export const TRACER_NAME: string = names.tracerName;
/** The meter our own metrics are created under. */
export const METER_NAME: string = names.meterName;

/**
 * Scan outcome metrics, recorded by the workflow interceptor (worker/workflows/outcome-metrics.ts), once
 * per run: Temporal drops workflow metrics during replay.
 * - outcomes: counter of finished scans, attribute `outcome` (ScanOutcome)
 * - duration: histogram (seconds) of workflow start to finish, attribute `outcome`
 * - archiveRuns: counter of nightly archive runs, attribute `outcome` (`completed` or `failed`)
 */
export const ScanMetrics = names.scanMetrics;

/**
 * Review metrics, recorded by the Functions app (functions/scans/reviewer-reads.ts):
 * - readsOverThreshold: counter of health-data reads by one reviewer beyond REVIEW_READS_ALERT_PER_HOUR
 *   in one clock hour, attribute `reviewer` (the reviewer's uid: staff, never a member or a scan)
 */
export const ReviewMetrics = names.reviewMetrics;
export const REVIEWER_ATTRIBUTE: string = names.reviewerAttribute;

/** Values of the `outcome` attribute. No other label is ever attached (never health data). */
export const ScanOutcome = names.scanOutcomes as unknown as readonly ['completed', 'rejected', 'failed', 'cancelled'];
export type ScanOutcome = (typeof ScanOutcome)[number];
export const OUTCOME_ATTRIBUTE: string = names.outcomeAttribute;

/**
 * Temporal SDK (Core) metrics the alerts and the runbook use, as they arrive in Application Insights:
 * Core's names with the SDK's default `temporal_` prefix, forwarded from the worker's Runtime
 * (worker/telemetry.ts). pollers: gauge per task queue and poller type; 0 or absent = no worker.
 */
export const TemporalSdkMetrics = names.temporalSdkMetrics;

/** Our own span names (Temporal's interceptors add StartWorkflow:*, RunWorkflow:*, StartActivity:*, RunActivity:*). */
export const SpanNames = names.spanNames;

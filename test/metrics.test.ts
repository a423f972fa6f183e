import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { afterAll, describe, expect, it } from 'vitest';
import { workflowIdForScan } from '../common/contracts/scan';
import { startDailyScan } from '../common/scans/start-scan';
import { OUTCOME_ATTRIBUTE, ScanMetrics, TemporalSdkMetrics } from '../common/telemetry-names';
import { makeSamplePhoto } from '../scripts/lib/sample-photos';
import { temporalMetricsForwarder } from '../worker/telemetry';
import { scanWorkerSuite, seedUploadedScan } from './helpers/scan';
import { testConfig, uniqueTaskQueue } from './helpers/stack';

// The metrics the alerts read (common/telemetry-names.ts) are recorded: the Runtime is installed as the
// worker installs it (test/setup/quiet-temporal.ts), and an in-memory reader stands where Application
// Insights' exporter stands in production.
const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
const provider = new MeterProvider({ readers: [reader] });
metrics.setGlobalMeterProvider(provider);

const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueTaskQueue('metrics'), REVIEW_MIN_CONFIDENCE: '0' });
const suite = scanWorkerSuite('metrics', () => config);
afterAll(() => provider.shutdown());

async function collected(): Promise<MetricData[]> {
  temporalMetricsForwarder()!.drain();
  await reader.forceFlush();
  return (
    exporter
      .getMetrics()
      .at(-1)
      ?.scopeMetrics.flatMap((s) => s.metrics) ?? []
  );
}

const named = (all: MetricData[], name: string) => all.find((m) => m.descriptor.name === name);
const valueFor = (m: MetricData | undefined, outcome: string) =>
  m?.dataPoints.filter((p) => p.attributes[OUTCOME_ATTRIBUTE] === outcome).reduce((s, p) => s + (p.value as number), 0) ?? 0;

describe('metrics: scan outcomes and Temporal SDK metrics reach OpenTelemetry', () => {
  it('counts a completed and a rejected scan, records their durations, and forwards the SDK metrics', async () => {
    const before = await collected();
    const completedBefore = valueFor(named(before, ScanMetrics.outcomes), 'completed');
    const rejectedBefore = valueFor(named(before, ScanMetrics.outcomes), 'rejected');

    const good = await seedUploadedScan(suite.firebase, suite.blob, config);
    const bad = await seedUploadedScan(suite.firebase, suite.blob, config, {
      photos: { front: await makeSamplePhoto('front', { variant: 'blurry' }) },
    });
    await startDailyScan(suite.client, config, good);
    await startDailyScan(suite.client, config, bad);
    expect((await suite.client.workflow.getHandle(workflowIdForScan(good.scanId)).result()).status).toBe('completed');
    expect((await suite.client.workflow.getHandle(workflowIdForScan(bad.scanId)).result()).status).toBe('rejected');

    // Workflow metrics leave the sandbox with the activation that completes the run: wait for both.
    let all: MetricData[] = [];
    for (const end = Date.now() + 15_000; Date.now() < end; await new Promise((r) => setTimeout(r, 250))) {
      all = await collected();
      const outcomes = named(all, ScanMetrics.outcomes);
      if (valueFor(outcomes, 'completed') > completedBefore && valueFor(outcomes, 'rejected') > rejectedBefore) break;
    }
    const outcomes = named(all, ScanMetrics.outcomes);
    expect(valueFor(outcomes, 'completed')).toBe(completedBefore + 1);
    expect(valueFor(outcomes, 'rejected')).toBe(rejectedBefore + 1);

    const durations = named(all, ScanMetrics.duration);
    const completedDurations = durations?.dataPoints.find((p) => p.attributes[OUTCOME_ATTRIBUTE] === 'completed')?.value as
      | { count: number; min?: number; max?: number }
      | undefined;
    expect(completedDurations?.count).toBeGreaterThanOrEqual(1);
    expect(completedDurations?.min).toBeGreaterThan(0); // seconds from start to finish, never zero for a real run
    expect(completedDurations?.max).toBeLessThan(120);

    // Core's own metrics, under the names the alert rules query.
    for (const name of [TemporalSdkMetrics.pollers, TemporalSdkMetrics.workflowCompleted, TemporalSdkMetrics.activitySlotsAvailable]) {
      expect(named(all, name), name).toBeDefined();
    }
    const pollers = named(all, TemporalSdkMetrics.pollers)!;
    expect(pollers.dataPoints.some((p) => p.attributes.task_queue === config.TEMPORAL_TASK_QUEUE && (p.value as number) > 0)).toBe(true);
  });
});

import { randomUUID } from 'node:crypto';
import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  type MetricData,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIdForScan } from '../common/contracts/scan';
import { createScanWithCredit, scanRef } from '../common/scans/repository';
import { startDailyScan } from '../common/scans/start-scan';
import { OUTCOME_ATTRIBUTE, REVIEWER_ATTRIBUTE, ReviewMetrics, ScanMetrics, TemporalSdkMetrics } from '../common/telemetry-names';
import { createDeps, type Deps } from '../functions/deps';
import { type LocalHost, startLocalHost } from '../functions/local-host';
import { makeSamplePhoto } from '../scripts/lib/sample-photos';
import { temporalMetricsForwarder } from '../worker/telemetry';
import { staffIdTokenFor } from './helpers/auth';
import { api } from './helpers/http';
import { measurements, newScanId, newUserId, scanWorkerSuite, seedMember, seedUploadedScan } from './helpers/scan';
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

describe('metrics: reads of health data per reviewer and hour', () => {
  const threshold = 3;
  const readsConfig = testConfig({ TEMPORAL_TASK_QUEUE: config.TEMPORAL_TASK_QUEUE, REVIEW_READS_ALERT_PER_HOUR: String(threshold) });
  let clock = new Date('2026-12-01T10:05:00.000Z');
  let deps: Deps;
  let host: LocalHost;
  beforeAll(async () => {
    // In this process, so its metrics reach the in-memory reader above; the hour is the test's.
    deps = createDeps(readsConfig, { firebaseAppName: `metrics-reads-${randomUUID()}`, now: () => clock });
    host = await startLocalHost({ config: readsConfig, port: 0, deps, timers: false, log: () => undefined });
  });
  afterAll(async () => {
    await host?.close();
    await deps?.close();
  });

  const overThreshold = async (reviewerUid: string) => {
    const m = named(await collected(), ReviewMetrics.readsOverThreshold);
    return m?.dataPoints.filter((p) => p.attributes[REVIEWER_ATTRIBUTE] === reviewerUid).reduce((s, p) => s + (p.value as number), 0) ?? 0;
  };

  it("records the alert's metric for each read past the hourly threshold, per reviewer, and starts again the next hour", async () => {
    const owner = newUserId();
    await seedMember(suite.firebase.db, owner, { credits: 1 });
    const scan = await createScanWithCredit(suite.firebase.db, {
      scanId: newScanId(),
      userId: owner,
      measurements: measurements(),
      now: new Date(),
    });
    await scanRef(suite.firebase.db, scan.scanId).update({ status: 'awaiting_review' });
    const busy = `reviewer_${randomUUID().slice(0, 8)}`;
    const calm = `reviewer_${randomUUID().slice(0, 8)}`;
    const token = (uid: string) => staffIdTokenFor(suite.firebase.auth, readsConfig, uid, { reviewer: true });
    const open = async (t: string) => expect((await api(host, `/api/reviews/${scan.scanId}`, { token: t })).status).toBe(200);
    const [busyToken, calmToken] = await Promise.all([token(busy), token(calm)]);

    for (let i = 0; i < threshold; i++) await open(busyToken);
    await open(calmToken);
    expect(await overThreshold(busy)).toBe(0); // at the threshold, not above it
    await open(busyToken);
    await open(busyToken);
    expect(await overThreshold(busy)).toBe(2);
    expect(await overThreshold(calm)).toBe(0);

    // A new clock hour: the count starts again.
    clock = new Date('2026-12-01T11:00:00.000Z');
    for (let i = 0; i < threshold; i++) await open(busyToken);
    expect(await overThreshold(busy)).toBe(2);
  });
});

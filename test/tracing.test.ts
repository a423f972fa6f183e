import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { describe, expect, it } from 'vitest';
import { workflowIdForScan } from '../common/contracts/scan';
import { DAILY_SCAN_WORKFLOW } from '../common/contracts/workflow-types';
import { SpanNames } from '../common/telemetry-names';
import { traceAzureSdk } from '../common/tracing';
import { replayAll } from '../worker/replay';
import { idTokenFor } from './helpers/auth';
import { api } from './helpers/http';
import { measurements, scanWorkerSuite, seedUploadedScan } from './helpers/scan';
import { testConfig, uniqueTaskQueue } from './helpers/stack';

// One trace per scan: the HTTP request that starts it is the root, the workflow run is its descendant,
// and every activity of that scan, with the Firestore, Blob and push calls inside them, hangs below.
// Spans go to an in-memory exporter; the workflow's come out of the sandbox through the worker's sink.
describe('tracing: one trace per scan', () => {
  const exporter = new InMemorySpanExporter();
  const processor = new SimpleSpanProcessor(exporter);
  const provider = new NodeTracerProvider({ spanProcessors: [processor] });
  provider.register(); // global provider, AsyncLocalStorage context manager, W3C trace-context propagator
  traceAzureSdk(); // Blob client spans, as startTelemetry enables them in production

  const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueTaskQueue('tracing'), REVIEW_MIN_CONFIDENCE: '0' });
  const suite = scanWorkerSuite('tracing', () => config, {
    workflowSpans: processor,
    // The blob poller waits longer than the test, so the submit request (not the upload trigger) starts the scan.
    host: { pollIntervalMs: 600_000 },
    after: () => provider.shutdown(),
  });
  const { firebase, blob } = suite;

  /** The span's ancestors, nearest first, as far as the recorded spans reach. */
  function ancestors(span: ReadableSpan, byId: Map<string, ReadableSpan>): ReadableSpan[] {
    const out: ReadableSpan[] = [];
    for (let p = span.parentSpanContext?.spanId; p && byId.has(p); p = byId.get(p)!.parentSpanContext?.spanId) out.push(byId.get(p)!);
    return out;
  }

  it('links the submit request, the workflow and every activity of the scan in one parent/child chain', async () => {
    // Unusual numbers, so a leak into a span would be recognised; the submit request starts the scan.
    const scan = await seedUploadedScan(firebase, blob, config, {
      submitted: false,
      measurements: measurements({ weightKg: 83.7, heightCm: 181.3 }),
    });
    const token = await idTokenFor(firebase.auth, config, scan.ownerId);
    exporter.reset();

    const submitted = await api(suite.host, `/api/scans/${scan.scanId}/submit`, { method: 'POST', token });
    expect(submitted.status, submitted.text).toBe(202);
    const handle = suite.client.workflow.getHandle(workflowIdForScan(scan.scanId));
    expect((await handle.result()).status).toBe('completed');

    const history = await handle.fetchHistory();
    const activityTypes = (history.events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    expect(activityTypes.length).toBeGreaterThan(5);
    // The traced run (trace header in its start event, interceptors on) replays against the code as bundled.
    const replayed = await replayAll(
      (async function* () {
        yield { workflowId: 'traced-scan', history };
      })(),
      config,
    );
    expect(replayed).toEqual({ replayed: 1, failures: [] });

    // Workflow spans arrive through the sink after the activation that ends them: wait for the run's span.
    let spans: ReadableSpan[] = [];
    for (const end = Date.now() + 10_000; Date.now() < end; await new Promise((r) => setTimeout(r, 100))) {
      spans = exporter.getFinishedSpans();
      if (spans.some((s) => s.name === `RunWorkflow:${DAILY_SCAN_WORKFLOW}`)) break;
    }
    const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));

    const request = spans.filter((s) => s.name === 'POST /api/scans/{scanId}/submit');
    expect(request).toHaveLength(1);
    const root = request[0]!;
    const traceId = root.spanContext().traceId;
    expect(root.parentSpanContext).toBeUndefined(); // a new trace: the request carried no traceparent

    const start = spans.find((s) => s.name === `StartWorkflow:${DAILY_SCAN_WORKFLOW}`);
    const run = spans.find((s) => s.name === `RunWorkflow:${DAILY_SCAN_WORKFLOW}`);
    expect(start && ancestors(start, byId)).toContain(root);
    expect(run && ancestors(run, byId)).toContain(start);

    // Every activity the history scheduled ran in a span of this trace, below the workflow run.
    const activitySpans = spans.filter((s) => s.name.startsWith('RunActivity:'));
    expect(activitySpans.map((s) => s.name.slice('RunActivity:'.length)).sort()).toEqual([...activityTypes].sort());
    for (const a of activitySpans) {
      expect(a.spanContext().traceId, a.name).toBe(traceId);
      const chain = ancestors(a, byId);
      expect(chain, a.name).toContain(run);
      expect(chain.at(-1), a.name).toBe(root);
    }

    // The calls out of the activities are children in the same trace: Firestore, Blob and the push.
    const below = (s: ReadableSpan) => s.spanContext().traceId === traceId && ancestors(s, byId).some((p) => activitySpans.includes(p));
    expect(spans.filter((s) => below(s) && s.instrumentationScope.name === '@google-cloud/firestore').length).toBeGreaterThan(0);
    expect(spans.filter((s) => below(s) && s.instrumentationScope.name.includes('storage-blob')).length).toBeGreaterThan(0);
    expect(spans.filter((s) => below(s) && s.name === SpanNames.pushSend)).toHaveLength(1);

    // No health data in any span of the trace: no such attribute, no measurement among the values.
    for (const s of spans.filter((x) => x.spanContext().traceId === traceId)) {
      for (const [key, value] of Object.entries(s.attributes)) {
        expect(key, s.name).not.toMatch(/weight|height|body.?fat|\bage\b|\bsex\b|measurement|photo.?bytes/i);
        expect(String(value), `${s.name} ${key}`).not.toMatch(/83\.7|181\.3/);
      }
    }
  });
});

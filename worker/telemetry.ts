import { existsSync } from 'node:fs';
import path from 'node:path';
import { type Meter, metrics, SpanKind } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Metric } from '@temporalio/common';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/worker';
import { DefaultLogger, MetricsBuffer, Runtime, type WorkerOptions } from '@temporalio/worker';
import { METER_NAME, SpanNames } from '../common/telemetry-names';
import { inSpan, workflowSpanBridge } from '../common/tracing';
import type { PushTransport } from './activities/push/transport';

/**
 * Workflow interceptor modules, bundled with the workflows: Temporal's OpenTelemetry interceptors (the
 * trace goes on from the client's start through the workflow to each activity; for runs started with a
 * trace context, see workflows/tracing-interceptors.ts) and the outcome metrics.
 * scripts/bundle-workflows.ts puts the same list in the prebuilt bundle.
 */
export const WORKFLOW_INTERCEPTOR_MODULES = ['tracing-interceptors', 'outcome-metrics'].map(
  // TypeScript under tsx/vitest, JavaScript when compiled.
  (name) => [path.join(__dirname, 'workflows', `${name}.ts`), path.join(__dirname, 'workflows', `${name}.js`)].find(existsSync)!,
);

/**
 * The worker's tracing: every activity runs in a span that is a child of the workflow's StartActivity
 * span (from the task's headers); workflow spans leave the sandbox through the `exporter` sink to
 * `workflowSpans` (Application Insights in production, an in-memory processor in tests).
 */
export function workerTracingOptions(workflowSpans: SpanProcessor, serviceName: string): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  // The sink is typed against the interceptors package's OpenTelemetry SDK 1.x; spans are translated to
  // the 2.x processor by workflowSpanBridge, and the 2.x resource carries the same attributes.
  type SinkArgs = Parameters<typeof makeWorkflowExporter>;
  const resource = resourceFromAttributes({ 'service.name': serviceName }) as unknown as SinkArgs[1];
  return {
    interceptors: {
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
    },
    sinks: { exporter: makeWorkflowExporter(workflowSpanBridge(workflowSpans) as unknown as SinkArgs[0], resource) },
  };
}

/** A push transport whose every send is a client span (transport kind and delivered count only). */
export function tracedPushTransport(transport: PushTransport): PushTransport {
  return {
    kind: transport.kind,
    send: (message, alreadyAccepted) =>
      inSpan(SpanNames.pushSend, { kind: SpanKind.CLIENT, attributes: { 'push.transport': transport.kind } }, async (span) => {
        const out = await transport.send(message, alreadyAccepted);
        span.setAttribute('push.delivered', out.delivered);
        return out;
      }),
  };
}

type Attributes = Record<string, string | number | boolean>;
type Instrument = { add?: (v: number, a: Attributes) => void; record?: (v: number, a: Attributes) => void };

/**
 * Temporal SDK metrics (Core's: pollers, slots, task latencies, workflow completions and failures) and the
 * workflows' own metrics (ScanMetrics) arrive in a MetricsBuffer given to `Runtime.install`; this moves
 * them to OpenTelemetry instruments of the same name on the global meter provider (Application Insights'
 * when configured; a test's in-memory reader) every `intervalMs`, and whenever `drain()` is called.
 */
export function forwardTemporalMetrics(buffer: MetricsBuffer, intervalMs = 5_000) {
  // The provider is looked up on every drain: the global one may be registered after the Runtime starts.
  const instruments = new WeakMap<Meter, Map<string, Instrument>>();
  const instrumentFor = (meter: Meter, m: Metric): Instrument => {
    let byName = instruments.get(meter);
    if (!byName) {
      byName = new Map();
      instruments.set(meter, byName);
    }
    let i = byName.get(m.name);
    if (!i) {
      const o = { unit: m.unit, description: m.description };
      if (m.kind === 'counter') i = meter.createCounter(m.name, o);
      else if (m.kind === 'up-down-counter') i = meter.createUpDownCounter(m.name, o);
      else if (m.kind === 'histogram') i = meter.createHistogram(m.name, o);
      else i = meter.createGauge(m.name, o);
      byName.set(m.name, i);
    }
    return i;
  };
  const drain = () => {
    const meter = metrics.getMeter(METER_NAME);
    for (const u of buffer.retrieveUpdates()) {
      const i = instrumentFor(meter, u.metric);
      if (i.add) i.add(u.value, u.attributes);
      else i.record?.(u.value, u.attributes);
    }
  };
  const timer = setInterval(drain, intervalMs);
  timer.unref();
  return {
    drain,
    stop() {
      clearInterval(timer);
      drain();
    },
  };
}

let forwarder: ReturnType<typeof forwardTemporalMetrics> | undefined;

/**
 * Installs the process's Temporal Runtime with its metrics forwarded to OpenTelemetry (durations in
 * seconds). Once per process, before any worker or native connection: the worker's entry point, the
 * bench and the integration tests' setup all start the Runtime this way.
 */
export function installWorkerRuntime(logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR') {
  const buffer = new MetricsBuffer({ useSecondsForDurations: true });
  Runtime.install({ logger: new DefaultLogger(logLevel), telemetryOptions: { metrics: { buffer } } });
  forwarder = forwardTemporalMetrics(buffer);
  return forwarder;
}

/** The forwarder installWorkerRuntime started (undefined before): tests drain it before reading metrics. */
export const temporalMetricsForwarder = () => forwarder;

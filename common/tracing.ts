import { type Context, context, propagation, ROOT_CONTEXT, type Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { TRACER_NAME } from './telemetry-names';

// Our own spans. Where they go is decided once per process: Application Insights registers the global
// tracer provider when its connection string is set (common/telemetry.ts), a test registers an in-memory
// one, and without either every span here is a no-op. Span attributes carry identifiers and outcomes only,
// never health data (no URLs with query strings, no bodies).

export const tracer = () => trace.getTracer(TRACER_NAME);

/** Runs `fn` inside a span (child of the active one), ending it with the outcome; an error's class only, never its message. */
export async function inSpan<T>(
  name: string,
  opts: { kind?: SpanKind; attributes?: Record<string, string | number | boolean>; parent?: Context },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer().startActiveSpan(
    name,
    { kind: opts.kind ?? SpanKind.INTERNAL, attributes: opts.attributes },
    opts.parent ?? context.active(),
    async (span) => {
      try {
        return await fn(span);
      } catch (err) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        span.setAttribute('error.type', err instanceof Error ? err.name : 'non-error thrown');
        throw err;
      } finally {
        span.end();
      }
    },
  );
}

/** The caller's trace context from W3C `traceparent`/`tracestate` headers (none: a new trace starts here). */
export function contextFromHeaders(headers: Iterable<[string, string]>): Context {
  const carrier: Record<string, string> = {};
  for (const [k, v] of headers) carrier[k.toLowerCase()] = v;
  return propagation.extract(ROOT_CONTEXT, carrier);
}

/** A `fetch` whose every request is a client span named `name`: method, host and status only (paths and queries may carry ids or SAS tokens). */
export function tracedFetch(name: string, base: typeof fetch = fetch): typeof fetch {
  return (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
    return inSpan(
      name,
      { kind: SpanKind.CLIENT, attributes: { 'http.request.method': method, 'server.address': url.hostname } },
      async (span) => {
        const res = await base(input, init);
        span.setAttribute('http.response.status_code', res.status);
        if (res.status >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
        return res;
      },
    );
  };
}

/**
 * Workflow spans reach the worker through Temporal's sink as spans of OpenTelemetry SDK 1.x (the
 * interceptors package's own dependency); the exporters here are SDK 2.x, which names the parent and the
 * scope differently. This forwards them, translated, to a 2.x processor.
 */
export function workflowSpanBridge(target: SpanProcessor) {
  type V1Span = ReadableSpan & { parentSpanId?: string; instrumentationLibrary?: ReadableSpan['instrumentationScope'] };
  return {
    onStart: () => undefined,
    onEnd(span: V1Span) {
      const ctx = span.spanContext();
      const translated: ReadableSpan = {
        ...span,
        spanContext: () => ctx,
        parentSpanContext:
          span.parentSpanContext ??
          (span.parentSpanId
            ? { traceId: ctx.traceId, spanId: span.parentSpanId, traceFlags: ctx.traceFlags, isRemote: false }
            : undefined),
        instrumentationScope: span.instrumentationScope ?? span.instrumentationLibrary ?? { name: 'temporal-workflow' },
        droppedAttributesCount: span.droppedAttributesCount ?? 0,
        droppedEventsCount: span.droppedEventsCount ?? 0,
        droppedLinksCount: span.droppedLinksCount ?? 0,
      };
      target.onEnd(translated);
    },
    forceFlush: () => target.forceFlush(),
    shutdown: () => target.shutdown(),
  };
}

/** Drops every span: the workflow-span target of a process that exports none. */
export const noSpanProcessor: SpanProcessor = {
  onStart: () => undefined,
  onEnd: () => undefined,
  forceFlush: async () => undefined,
  shutdown: async () => undefined,
};

/**
 * Spans from the Azure SDK (Blob, Key Vault): its tracing goes through @azure/core-tracing, which the
 * Azure SDK instrumentation patches only when it is loaded after the instrumentation is registered. Our
 * entry points import the Blob client first, so the patch is applied here to the module already loaded.
 */
export function traceAzureSdk(tracerProvider?: import('@opentelemetry/api').TracerProvider) {
  const { createAzureSdkInstrumentation } =
    require('@azure/opentelemetry-instrumentation-azure-sdk') as typeof import('@azure/opentelemetry-instrumentation-azure-sdk');
  const instrumentation = createAzureSdkInstrumentation();
  if (tracerProvider) instrumentation.setTracerProvider(tracerProvider);
  const loaded = require('@azure/core-tracing');
  for (const definition of (
    instrumentation as unknown as { getModuleDefinitions(): Array<{ patch?: (m: unknown) => unknown }> }
  ).getModuleDefinitions())
    definition.patch?.(loaded);
}

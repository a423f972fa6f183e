import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { metrics } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestCertificates } from '../scripts/lib/tls-certs';
import type { Config } from './config';
import { startTelemetry } from './telemetry';
import { METER_NAME, OUTCOME_ATTRIBUTE, ScanMetrics } from './telemetry-names';
import { inSpan } from './tracing';

// With its connection string set, Application Insights receives our spans (request path and the
// workflow spans the worker's sink hands over) and our metrics: a local HTTP server stands in for the
// ingestion endpoint (HTTPS: the exporter sends nowhere else) and records what the exporters post.
type Envelope = { name: string; data?: { baseType?: string; baseData?: { name?: string; metrics?: Array<{ name: string }> } } };
const received: Envelope[] = [];
const certs = makeTestCertificates(path.join(os.tmpdir(), 'reddyfit-telemetry-test-certs'));
const server = https.createServer({ cert: readFileSync(certs.serverCert), key: readFileSync(certs.serverKey) }, (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let body = Buffer.concat(chunks);
    if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
    const text = body.toString('utf8').trim();
    if (text.startsWith('[')) received.push(...(JSON.parse(text) as Envelope[]));
    else for (const line of text.split('\n').filter(Boolean)) received.push(JSON.parse(line) as Envelope);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ itemsReceived: 1, itemsAccepted: 1, errors: [] }));
  });
});

beforeAll(async () => {
  process.env.APPLICATIONINSIGHTS_STATSBEAT_DISABLED = 'true'; // no calls to Azure's own endpoints
  // The Azure VM detector asks the instance metadata service, absent here; exports wait for its answer.
  process.env.OTEL_NODE_RESOURCE_DETECTORS = 'env,host,os';
  // Application Insights' default sampler (5 traces/s, rate-limited) starts with an empty window and drops
  // a span made the moment it starts; this test asks for every span.
  process.env.OTEL_TRACES_SAMPLER = 'always_on';
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'; // the stand-in's certificate is from the test CA
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('startTelemetry', () => {
  it('without a connection string exports nothing and loads no exporter', async () => {
    const t = startTelemetry({} as Config, 'test');
    await t.shutdown();
    expect(Object.keys(require.cache).some((f) => f.includes('/applicationinsights/'))).toBe(false);
  });

  it('sends spans, workflow spans and metrics to Application Insights when its connection string is set', { timeout: 60_000 }, async () => {
    const { port } = server.address() as AddressInfo;
    const connectionString = `InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://127.0.0.1:${port}/`;
    const telemetry = startTelemetry({ APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString } as Config, 'reddyfit-test');

    await inSpan('telemetry probe', {}, async () => undefined);
    const workflowTracer = new BasicTracerProvider({ spanProcessors: [telemetry.workflowSpans] }).getTracer('temporal-workflow');
    workflowTracer.startSpan('RunWorkflow:probe').end();
    metrics
      .getMeter(METER_NAME)
      .createCounter(ScanMetrics.outcomes)
      .add(1, { [OUTCOME_ATTRIBUTE]: 'completed' });
    await telemetry.shutdown();

    // The flush hands everything to the exporters; their HTTPS posts may still be on the way.
    const spanNames = () => received.map((e) => e.data?.baseData?.name);
    const metricNames = () => received.flatMap((e) => e.data?.baseData?.metrics?.map((m) => m.name) ?? []);
    const arrived = () =>
      spanNames().includes('telemetry probe') && spanNames().includes('RunWorkflow:probe') && metricNames().includes(ScanMetrics.outcomes);
    for (const end = Date.now() + 15_000; !arrived() && Date.now() < end; ) await new Promise((r) => setTimeout(r, 100));
    expect(spanNames()).toContain('telemetry probe');
    expect(spanNames()).toContain('RunWorkflow:probe');
    expect(metricNames()).toContain(ScanMetrics.outcomes);
  });
});

import { describe, expect, it } from 'vitest';
import { workflowIdForScan } from '../common/contracts/scan';
import { startDailyScan } from '../common/scans/start-scan';
import { maybeRecordHistory } from './helpers/history';
import { scanWorkerSuite, seedUploadedScan } from './helpers/scan';
import { stackEnv, testConfig, uniqueTaskQueue } from './helpers/stack';

type RawPayload = { metadata?: Record<string, Uint8Array>; data?: Uint8Array };

/**
 * Every payload anywhere in a history (inputs, activity results, query/update args, failures' details),
 * headers apart: Temporal passes headers around the codec, and the only one set is the OpenTelemetry
 * trace context (checked on its own below).
 */
function payloadsIn(node: unknown, out: RawPayload[] = [], headers: RawPayload[] = []): RawPayload[] {
  if (!node || typeof node !== 'object' || node instanceof Uint8Array) return out;
  if (Array.isArray(node)) {
    for (const n of node) payloadsIn(n, out, headers);
    return out;
  }
  const obj = node as Record<string, unknown>;
  // patched() markers: the SDK's core writes the patch id (a code identifier, never member data) in plain.
  if (obj.markerName === 'core_patch') return out;
  if (obj.metadata && typeof obj.metadata === 'object' && 'data' in obj) out.push(obj as RawPayload);
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'header') payloadsIn(v, headers, headers);
    else if (k !== 'metadata' && k !== 'searchAttributes' && k !== 'indexedFields') payloadsIn(v, out, headers);
  }
  return out;
}

// Payloads carry measurements and results: Temporal (and the archive, which stores histories as Temporal
// holds them) must only ever see ciphertext. The Web UI reads them through the codec endpoint.
describe('payload encryption', () => {
  const taskQueue = uniqueTaskQueue('encryption');
  const config = testConfig({ TEMPORAL_TASK_QUEUE: taskQueue });
  const suite = scanWorkerSuite('encryption', () => config);
  const { firebase, blob } = suite;

  it('a completed scan leaves only encrypted payloads in Temporal, and the codec endpoint decodes them', async () => {
    const scan = await seedUploadedScan(firebase, blob, config);
    await startDailyScan(suite.client, config, scan, taskQueue);
    const handle = suite.client.workflow.getHandle(workflowIdForScan(scan.scanId));
    expect((await handle.result()).status).toBe('completed');

    const history = await handle.fetchHistory();
    const headers: RawPayload[] = [];
    const payloads = payloadsIn(history.events, [], headers);
    expect(payloads.length).toBeGreaterThan(10);
    // Headers: the W3C trace context at most (ids, no member data), in plain as Temporal keeps headers.
    for (const h of headers) {
      const context = JSON.parse(Buffer.from(h.data ?? []).toString('utf8')) as Record<string, unknown>;
      expect(Object.keys(context).every((k) => k === 'traceparent' || k === 'tracestate')).toBe(true);
      // Empty when the start had no active span (this test starts the workflow directly, not over HTTP).
      if ('traceparent' in context) expect(String(context.traceparent)).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/);
    }
    const encodings = new Set(payloads.map((p) => new TextDecoder().decode(p.metadata?.encoding)));
    expect([...encodings]).toEqual(['binary/encrypted']);
    const everything = Buffer.concat(payloads.map((p) => Buffer.from(p.data ?? []))).toString('latin1');
    expect(everything).not.toMatch(/weightKg|bodyFatPercent|heightCm|json\/plain/);

    // What the Temporal Web UI does with the stack's codec endpoint: the workflow input comes back readable.
    const input = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0] as RawPayload;
    const toJson = (p: RawPayload) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
      data: Buffer.from(p.data ?? []).toString('base64'),
    });
    const res = await fetch(`${stackEnv().TEMPORAL_CODEC_URL}/decode`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-namespace': config.TEMPORAL_NAMESPACE },
      body: JSON.stringify({ payloads: [toJson(input)] }),
    });
    expect(res.status).toBe(200);
    const decoded = ((await res.json()) as { payloads: Array<{ data: string }> }).payloads[0]!;
    const workflowInput = JSON.parse(Buffer.from(decoded.data, 'base64').toString('utf8'));
    expect(workflowInput).toMatchObject({ scanId: scan.scanId, measurements: { weightKg: scan.measurements.weightKg } });
    await maybeRecordHistory(handle, 'completed-encrypted');
  });
});

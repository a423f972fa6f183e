import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIdForScan } from '../common/contracts/scan';
import { Collections } from '../common/contracts/scan-document';
import { startDailyScan } from '../common/scans/start-scan';
import { idTokenFor, staffIdTokenFor } from './helpers/auth';
import { functionsSuite } from './helpers/functions-suite';
import { api, rawRequest, startFunctionsHost } from './helpers/http';
import { newUserId, seedUploadedScan } from './helpers/scan';
import { testConfig } from './helpers/stack';

// The codec endpoint as Temporal Cloud's Web UI calls it: real encrypted payloads from a real run's
// history, operators only, one browser origin, this app's own host name; every call names its workflow and
// is audited with its member (encode too).

const UI_ORIGIN = 'https://cloud.temporal.io';
const HOST = 'scans-api.reddyfit.test';

describe('codec endpoint for the Web UI', () => {
  // No worker polls this queue: the run stays open with its encrypted input in the history.
  const suite = functionsSuite('codec', { CODEC_UI_ORIGIN: UI_ORIGIN, CODEC_ALLOWED_HOSTS: HOST });
  const { config, taskQueue, firebase, blob } = suite;
  const ids = { operator: newUserId(), member: newUserId() };
  const tokens = { operator: '', member: '' };
  let scanId: string;
  let userId: string;
  let encrypted: Array<{ metadata: Record<string, string>; data: string }>;

  beforeAll(async () => {
    tokens.operator = await staffIdTokenFor(firebase.auth, config, ids.operator, { operator: true });
    tokens.member = await idTokenFor(firebase.auth, config, ids.member);
    const scan = await seedUploadedScan(firebase, blob, config);
    scanId = scan.scanId;
    userId = scan.ownerId;
    await startDailyScan(suite.client, config, scan, taskQueue);
    const history = await suite.client.workflow.getHandle(workflowIdForScan(scanId)).fetchHistory();
    const input = history.events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads!;
    encrypted = input.map((p) => ({
      metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])),
      data: Buffer.from(p.data!).toString('base64'),
    }));
  });
  afterAll(async () => {
    await suite.client?.workflow
      .getHandle(workflowIdForScan(scanId))
      .terminate('test over')
      .catch(() => undefined);
  });

  const decode = (headers: Record<string, string>, token?: string, workflowId: string | null = workflowIdForScan(scanId)) =>
    api(suite.host, `/api/codec/decode${workflowId ? `?workflowId=${workflowId}` : ''}`, {
      method: 'POST',
      token,
      json: { payloads: encrypted },
      headers: { host: HOST, ...headers },
    });
  const codecAudits = async (action = 'payloads_decoded') =>
    (await firebase.db.collection(Collections.auditLogs).where('userId', '==', userId).get()).docs
      .map((d) => d.data())
      .filter((a) => a.action === action);
  const decodeAudits = () => codecAudits('payloads_decoded');

  it('the history really holds ciphertext', () => {
    expect(Buffer.from(encrypted[0]!.metadata.encoding!, 'base64').toString()).toBe('binary/encrypted');
    expect(Buffer.from(encrypted[0]!.data, 'base64').toString('latin1')).not.toContain(scanId);
  });

  it('an operator from the Web UI decodes the payloads, with CORS for that origin, and the decode is audited', async () => {
    const before = await decodeAudits();
    const res = await decode({ origin: UI_ORIGIN, 'x-namespace': config.TEMPORAL_NAMESPACE }, tokens.operator);
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    const payload = res.json.payloads[0];
    expect(Buffer.from(payload.metadata.encoding, 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(payload.data, 'base64').toString('utf8'))).toMatchObject({ scanId, userId });

    const after = await decodeAudits();
    expect(after.length).toBe(before.length + 1);
    const record = after.find((a) => !before.some((b) => b.at === a.at && b.actor === a.actor));
    expect(record).toMatchObject({
      scanId,
      userId,
      action: 'payloads_decoded',
      actor: `operator:${ids.operator}`,
      subject: { workflowId: workflowIdForScan(scanId), namespace: config.TEMPORAL_NAMESPACE, payloads: 1 },
    });
  });

  it('encode then decode gives the payload back (for what an operator types in the UI), and the encode is audited too', async () => {
    const plain = { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('"hello"').toString('base64') };
    const workflow = `?workflowId=${workflowIdForScan(scanId)}`;
    const enc = await api(suite.host, `/api/codec/encode${workflow}`, {
      method: 'POST',
      token: tokens.operator,
      json: { payloads: [plain] },
      headers: { host: HOST, origin: UI_ORIGIN },
    });
    expect(enc.status, enc.text).toBe(200);
    expect(Buffer.from(enc.json.payloads[0].metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
    // Ciphertext minted here is accepted by the workers: who minted it, for which workflow and member, is recorded.
    expect(await codecAudits('payloads_encoded')).toEqual([
      expect.objectContaining({
        scanId,
        userId,
        outcome: 'encoded',
        actor: `operator:${ids.operator}`,
        subject: expect.objectContaining({ workflowId: workflowIdForScan(scanId), payloads: 1 }),
      }),
    ]);
    const dec = await api(suite.host, `/api/codec/decode${workflow}`, {
      method: 'POST',
      token: tokens.operator,
      json: enc.json,
      headers: { host: HOST },
    });
    expect(dec.status, dec.text).toBe(200);
    expect(dec.json.payloads[0]).toEqual(plain);
  });

  it("refuses a call that does not name its workflow, names one that is not this app's, or names another scan's", async () => {
    const before = [...(await decodeAudits()), ...(await codecAudits('payloads_encoded'))].length;
    const unnamed = await decode({ origin: UI_ORIGIN }, tokens.operator, null);
    expect([unnamed.status, unnamed.json.code]).toEqual([400, 'workflow_not_named']);
    const unnamedEncode = await api(suite.host, '/api/codec/encode', {
      method: 'POST',
      token: tokens.operator,
      json: { payloads: encrypted },
      headers: { host: HOST },
    });
    expect([unnamedEncode.status, unnamedEncode.json.code]).toEqual([400, 'workflow_not_named']);
    const unknown = await decode({ origin: UI_ORIGIN }, tokens.operator, 'some-other-workflow');
    expect([unknown.status, unknown.json.code]).toEqual([404, 'workflow_unknown']);
    // This scan's input decoded in the name of another member's scan: refused, so no record names the wrong member.
    const other = await seedUploadedScan(firebase, blob, config);
    const misattributed = await decode({ origin: UI_ORIGIN }, tokens.operator, workflowIdForScan(other.scanId));
    expect([misattributed.status, misattributed.json.code]).toEqual([422, 'payload_not_of_workflow']);
    for (const r of [unnamed, unknown, misattributed]) expect(r.text).not.toContain(userId);
    expect([...(await decodeAudits()), ...(await codecAudits('payloads_encoded'))]).toHaveLength(before);
  });

  it('refuses anonymous, member-only, wrong-origin and wrong-host callers, and audits none of them', async () => {
    const before = await decodeAudits();
    const anonymous = await decode({ origin: UI_ORIGIN });
    expect([anonymous.status, anonymous.json.code]).toEqual([401, 'unauthenticated']);
    const member = await decode({ origin: UI_ORIGIN }, tokens.member);
    expect([member.status, member.json.code]).toEqual([403, 'staff_sign_in_required']); // a member's account is not staff
    const wrongOrigin = await decode({ origin: 'https://evil.example' }, tokens.operator);
    expect([wrongOrigin.status, wrongOrigin.json.code]).toEqual([403, 'origin_not_allowed']);
    expect(wrongOrigin.headers.get('access-control-allow-origin')).toBeNull();
    const wrongHost = await decode({ origin: UI_ORIGIN, host: 'attacker.example' }, tokens.operator);
    expect([wrongHost.status, wrongHost.json.code]).toEqual([421, 'host_not_allowed']);
    for (const r of [anonymous, member, wrongOrigin, wrongHost]) expect(r.text).not.toContain(scanId);
    expect(await decodeAudits()).toHaveLength(before.length);
  });

  it('answers the preflight for the Web UI origin only', async () => {
    const ok = await rawRequest(suite.host.port, 'OPTIONS', '/api/codec/decode', {
      host: HOST,
      origin: UI_ORIGIN,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'authorization, content-type, x-namespace',
    });
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(ok.headers.get('access-control-allow-headers')).toContain('authorization');
    const other = await rawRequest(suite.host.port, 'OPTIONS', '/api/codec/decode', { host: HOST, origin: 'https://evil.example' });
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('is off unless configured', async () => {
    const off = await startFunctionsHost(testConfig({ TEMPORAL_TASK_QUEUE: taskQueue }));
    try {
      const res = await api(off, '/api/codec/decode', {
        method: 'POST',
        token: tokens.operator,
        json: { payloads: encrypted },
        headers: { host: HOST },
      });
      expect([res.status, res.json.code]).toEqual([404, 'codec_disabled']);
    } finally {
      await off.close();
    }
  });
});

import type { HttpRequest } from '@azure/functions';
import type { Payload } from '@temporalio/common';
import { CodecQuerySchema, CodecRequestSchema, CodecResponseSchema } from '../../common/contracts/api';
import { memberOfErasureWorkflow } from '../../common/contracts/erasure';
import { DailyScanInputSchema, ScanIdSchema, workflowIdForScan } from '../../common/contracts/scan';
import { appendAudit } from '../../common/scans/audit-log';
import { scanRef } from '../../common/scans/repository';
import { payloadDataConverter } from '../../common/temporal/payload-encryption';
import type { Deps } from '../deps';
import { ApiProblem } from '../errors';
import { type AnyHttpFunction, defineHttp, type Principal } from '../framework/types';

// The codec endpoint Temporal Cloud's Web UI (or `temporal --codec-endpoint`) calls to show encrypted
// payloads: operators only (Firebase ID token with the operator role), one browser origin (CORS), this
// app's own Host names only. Every call names the workflow its payloads belong to and is audited with who,
// which workflow and whose data (encode too: ciphertext minted here is accepted by the workers). The key stays here.

type JsonPayload = { metadata: Record<string, string>; data: string };
const fromJson = (p: JsonPayload): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data, 'base64'),
});
const toJson = (p: Payload): JsonPayload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

/** The codec, the allowed origin and hosts; the endpoint is off (404) unless both settings are there. */
function codecSettings(deps: Deps) {
  const { CODEC_UI_ORIGIN: origin, CODEC_ALLOWED_HOSTS: hosts } = deps.config;
  if (!origin || !hosts) throw new ApiProblem('codec_disabled', 'the codec endpoint is not enabled (CODEC_UI_ORIGIN, CODEC_ALLOWED_HOSTS)');
  // The Web UI shows what Temporal holds, histories from before encryption included: plaintext is shown as it is.
  const codec = payloadDataConverter(deps.config, { readUnencrypted: true }).payloadCodecs[0]!;
  return { origin, hosts: hosts.toLowerCase().split(','), codec };
}

/** CORS for the configured Web UI origin only; nothing for any other origin. */
function corsHeaders(request: HttpRequest, deps: Deps): Record<string, string> {
  const origin = deps.config.CODEC_UI_ORIGIN;
  if (!origin || request.headers.get('origin') !== origin) return {};
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Credentials': 'true',
    'Access-Control-Allow-Methods': 'POST, OPTIONS',
    'Access-Control-Allow-Headers': 'authorization, content-type, x-namespace',
    'Access-Control-Max-Age': '600',
    Vary: 'Origin',
  };
}

/** Host check (a request for another name, e.g. DNS rebinding, is misdirected) and origin check (a browser from elsewhere). */
function checkCaller(request: HttpRequest, deps: Deps) {
  const settings = codecSettings(deps);
  const host = (request.headers.get('host') ?? '').toLowerCase();
  if (!settings.hosts.includes(host)) throw new ApiProblem('host_not_allowed', 'this endpoint answers only under its own host names');
  const origin = request.headers.get('origin');
  if (origin !== null && origin !== settings.origin)
    throw new ApiProblem('origin_not_allowed', 'this origin may not call the codec endpoint');
  return settings;
}

const SCAN_PREFIX = workflowIdForScan('');
const ARCHIVE_PREFIX = 'archive-';

/**
 * Whose data a named workflow holds: a scan's member (its document names the owner), an erasure's member,
 * nobody's for the archive (identifiers only). Anything else is not a workflow of this app: refused.
 */
async function memberOf(deps: Deps, workflowId: string | undefined): Promise<{ workflowId: string; scanId?: string; userId: string }> {
  if (!workflowId) throw new ApiProblem('workflow_not_named', 'name the workflow the payloads belong to: ?workflowId=…');
  if (workflowId.startsWith(SCAN_PREFIX)) {
    const scanId = workflowId.slice(SCAN_PREFIX.length);
    const owner = ScanIdSchema.safeParse(scanId).success ? (await scanRef(deps.db, scanId).get()).data()?.ownerId : undefined;
    if (typeof owner !== 'string') throw new ApiProblem('workflow_unknown', 'no scan of this app runs under that workflow id');
    return { workflowId, scanId, userId: owner };
  }
  const erased = memberOfErasureWorkflow(workflowId);
  if (erased) return { workflowId, userId: erased };
  if (workflowId.startsWith(ARCHIVE_PREFIX)) return { workflowId, userId: 'none' };
  throw new ApiProblem('workflow_unknown', 'not a workflow of this app (daily-scan-…, erase-member-…, archive-…)');
}

/** The scans the decoded payloads name (a scan workflow's input names its scan): none may be another workflow's. */
function scansNamedIn(decoded: Payload[]): string[] {
  const found = new Set<string>();
  for (const p of decoded) {
    try {
      const input = DailyScanInputSchema.pick({ scanId: true }).safeParse(JSON.parse(Buffer.from(p.data ?? []).toString('utf8')));
      if (input.success) found.add(input.data.scanId);
    } catch {
      // not JSON: nothing to attribute
    }
  }
  return [...found];
}

/** One record per call, naming the operator, the workflow and its member. */
async function auditCodecCall(
  deps: Deps,
  operator: Principal,
  request: HttpRequest,
  action: 'payloads_decoded' | 'payloads_encoded',
  member: Awaited<ReturnType<typeof memberOf>>,
  payloads: number,
) {
  const namespace = /^[A-Za-z0-9._-]{1,64}$/.test(request.headers.get('x-namespace') ?? '')
    ? request.headers.get('x-namespace')!
    : 'unknown';
  await appendAudit(
    deps.db,
    {
      ...(member.scanId ? { scanId: member.scanId } : {}),
      userId: member.userId,
      action,
      outcome: action === 'payloads_decoded' ? 'decoded' : 'encoded',
      actor: `operator:${operator.uid}`,
      subject: { namespace, payloads, workflowId: member.workflowId.slice(0, 64) },
    },
    deps.now(),
  );
}

const codecResponses = {
  200: { description: 'the payloads, in the same order', schema: CodecResponseSchema },
  400: {
    description: 'the workflow the payloads belong to is not named, or the request is malformed',
    codes: ['workflow_not_named', 'validation_failed', 'malformed_json', 'body_required'],
  },
  403: {
    description: 'not an operator, or a browser origin other than the configured Web UI',
    codes: ['operator_role_required', 'origin_not_allowed'],
  },
  404: {
    description: 'the codec endpoint is not enabled, or the named workflow is not one of this app',
    codes: ['codec_disabled', 'workflow_unknown'],
  },
  421: { description: 'a Host this app does not serve the codec under', codes: ['host_not_allowed'] },
};

export const codecDecode = defineHttp({
  kind: 'http',
  name: 'codecDecode',
  route: 'codec/decode',
  methods: ['POST'],
  auth: 'operator',
  summary: "Decrypts one workflow's payloads for Temporal's Web UI (remote codec protocol); every call is audited with its member",
  tags: ['operations'],
  query: CodecQuerySchema,
  body: CodecRequestSchema,
  maxBodyBytes: 1024 * 1024,
  responseHeaders: corsHeaders,
  responses: {
    ...codecResponses,
    422: {
      description: 'a payload is not one this app encrypted, its key is gone, or it belongs to another workflow than the one named',
      codes: ['payload_not_decodable', 'payload_not_of_workflow'],
    },
  },
  async handler({ body, query, deps, principal, request }) {
    const { codec } = checkCaller(request, deps);
    const member = await memberOf(deps, query.workflowId);
    let decoded: Payload[];
    try {
      decoded = await codec.decode(body.payloads.map(fromJson));
    } catch {
      throw new ApiProblem('payload_not_decodable', 'a payload could not be decrypted with the configured keys');
    }
    if (scansNamedIn(decoded).some((scanId) => scanId !== member.scanId))
      throw new ApiProblem('payload_not_of_workflow', 'a payload names another scan than the workflow named');
    await auditCodecCall(deps, principal, request, 'payloads_decoded', member, decoded.length);
    return { status: 200, body: { payloads: decoded.map(toJson) } };
  },
});

export const codecEncode = defineHttp({
  kind: 'http',
  name: 'codecEncode',
  route: 'codec/encode',
  methods: ['POST'],
  auth: 'operator',
  summary:
    "Encrypts payloads for one workflow for Temporal's Web UI (remote codec protocol), e.g. a signal typed in the UI; every call is audited with its member",
  tags: ['operations'],
  query: CodecQuerySchema,
  body: CodecRequestSchema,
  maxBodyBytes: 1024 * 1024,
  responseHeaders: corsHeaders,
  responses: codecResponses,
  async handler({ body, query, deps, principal, request }) {
    const { codec } = checkCaller(request, deps);
    // Ciphertext minted here is accepted by the workers: who minted it for which workflow is recorded.
    const member = await memberOf(deps, query.workflowId);
    const encoded = await codec.encode(body.payloads.map(fromJson));
    await auditCodecCall(deps, principal, request, 'payloads_encoded', member, encoded.length);
    return { status: 200, body: { payloads: encoded.map(toJson) } };
  },
});

/** The browser's preflight (no token): answered for the configured origin only. */
function preflight(route: 'codec/decode' | 'codec/encode', name: string): AnyHttpFunction {
  return defineHttp({
    kind: 'http',
    name,
    route,
    methods: ['OPTIONS'],
    auth: 'anonymous',
    summary: `CORS preflight of /api/${route}`,
    tags: ['internal'],
    internal: true,
    responseHeaders: corsHeaders,
    responses: { 204: { description: 'allowed' } },
    async handler({ deps, request }) {
      checkCaller(request, deps);
      return { status: 204 };
    },
  });
}

export const codecFunctions = [
  codecDecode,
  codecEncode,
  preflight('codec/decode', 'codecDecodePreflight'),
  preflight('codec/encode', 'codecEncodePreflight'),
];

import type { HttpRequest } from '@azure/functions';
import type { Payload } from '@temporalio/common';
import { CodecRequestSchema, CodecResponseSchema } from '../../common/contracts/api';
import { DailyScanInputSchema, workflowIdForScan } from '../../common/contracts/scan';
import { appendAudit } from '../../common/scans/audit-log';
import { payloadDataConverter } from '../../common/temporal/payload-encryption';
import type { Deps } from '../deps';
import { CodecDisabledError, HostNotAllowedError, OriginNotAllowedError, PayloadNotDecodableError } from '../errors';
import { type AnyHttpFunction, defineHttp, type Principal } from '../framework/types';

// The codec endpoint Temporal Cloud's Web UI (or `temporal --codec-endpoint`) calls to show encrypted
// payloads: operators only (Firebase ID token with the operator role), one browser origin (CORS), this
// app's own Host names only, and every decode audited with who and which scan's workflow. The key stays here.

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
  if (!origin || !hosts) throw new CodecDisabledError('the codec endpoint is not enabled (CODEC_UI_ORIGIN, CODEC_ALLOWED_HOSTS)');
  return { origin, hosts: hosts.toLowerCase().split(','), codec: payloadDataConverter(deps.config).payloadCodecs[0]! };
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
  if (!settings.hosts.includes(host)) throw new HostNotAllowedError('this endpoint answers only under its own host names');
  const origin = request.headers.get('origin');
  if (origin !== null && origin !== settings.origin) throw new OriginNotAllowedError('this origin may not call the codec endpoint');
  return settings;
}

/** Which scans (and whose) the decoded payloads belong to: a scan workflow's input names both. */
function scansIn(decoded: Payload[]): Array<{ scanId: string; userId: string }> {
  const found = new Map<string, string>();
  for (const p of decoded) {
    try {
      const input = DailyScanInputSchema.pick({ scanId: true, userId: true }).safeParse(
        JSON.parse(Buffer.from(p.data ?? []).toString('utf8')),
      );
      if (input.success) found.set(input.data.scanId, input.data.userId);
    } catch {
      // not JSON: nothing to attribute
    }
  }
  return [...found].map(([scanId, userId]) => ({ scanId, userId }));
}

async function auditDecode(deps: Deps, operator: Principal, request: HttpRequest, decoded: Payload[]) {
  const namespace = /^[A-Za-z0-9._-]{1,64}$/.test(request.headers.get('x-namespace') ?? '')
    ? request.headers.get('x-namespace')!
    : 'unknown';
  const scans = scansIn(decoded);
  const records = scans.length ? scans : [{ scanId: undefined, userId: 'unknown' }];
  await Promise.all(
    records.map((s) =>
      appendAudit(
        deps.db,
        {
          ...(s.scanId ? { scanId: s.scanId } : {}),
          userId: s.userId,
          action: 'payloads_decoded',
          outcome: 'decoded',
          actor: `operator:${operator.uid}`,
          subject: { namespace, payloads: decoded.length, ...(s.scanId ? { workflowId: workflowIdForScan(s.scanId) } : {}) },
        },
        deps.now(),
      ),
    ),
  );
}

const codecResponses = {
  200: { description: 'the payloads, in the same order', schema: CodecResponseSchema },
  403: {
    description: 'not an operator, or a browser origin other than the configured Web UI',
    codes: ['operator_role_required', 'origin_not_allowed'],
  },
  404: { description: 'the codec endpoint is not enabled', codes: ['codec_disabled'] },
  421: { description: 'a Host this app does not serve the codec under', codes: ['host_not_allowed'] },
};

export const codecDecode = defineHttp({
  kind: 'http',
  name: 'codecDecode',
  route: 'codec/decode',
  methods: ['POST'],
  auth: 'operator',
  summary: "Decrypts workflow payloads for Temporal's Web UI (remote codec protocol); every call is audited",
  tags: ['operations'],
  body: CodecRequestSchema,
  maxBodyBytes: 1024 * 1024,
  responseHeaders: corsHeaders,
  responses: {
    ...codecResponses,
    422: { description: 'a payload is not one this app encrypted, or its key is gone', codes: ['payload_not_decodable'] },
  },
  async handler({ body, deps, principal, request }) {
    const { codec } = checkCaller(request, deps);
    let decoded: Payload[];
    try {
      decoded = await codec.decode(body.payloads.map(fromJson));
    } catch {
      throw new PayloadNotDecodableError('a payload could not be decrypted with the configured keys');
    }
    await auditDecode(deps, principal, request, decoded);
    return { status: 200, body: { payloads: decoded.map(toJson) } };
  },
});

export const codecEncode = defineHttp({
  kind: 'http',
  name: 'codecEncode',
  route: 'codec/encode',
  methods: ['POST'],
  auth: 'operator',
  summary: "Encrypts payloads for Temporal's Web UI (remote codec protocol), e.g. a signal typed in the UI",
  tags: ['operations'],
  body: CodecRequestSchema,
  maxBodyBytes: 1024 * 1024,
  responseHeaders: corsHeaders,
  responses: codecResponses,
  async handler({ body, deps, request }) {
    const { codec } = checkCaller(request, deps);
    const encoded = await codec.encode(body.payloads.map(fromJson));
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

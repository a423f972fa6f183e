import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { functions, registrations } from '../../functions/definitions';
import { PROBLEM_CONTENT_TYPE } from '../../functions/framework/problem';
import { resolveRoute } from '../../functions/framework/routes';
import { buildOpenApi, EVENT_STREAM, EVENTS_EXTENSION } from '../../functions/openapi-document';

// Every answer the integration suites receive is checked against the OpenAPI document the API serves:
// the status is documented for the operation the host routed to, the media type is the documented one
// and the body matches its schema. An answer outside any operation (unknown path, other method) must be
// a documented problem.

const doc = buildOpenApi(functions);
const DOC_ID = 'openapi.json';
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema(doc, DOC_ID);

const HOST_STATUSES = new Set([400, 404, 405, 413, 500]);
const http = registrations().http;
const validators = new Map<string, ValidateFunction>();

const pointer = (...parts: string[]) => parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

function validatorAt(ref: string): ValidateFunction {
  let v = validators.get(ref);
  if (!v) {
    v = ajv.compile({ $ref: ref });
    validators.set(ref, v);
  }
  return v;
}

type Responses = Record<string, { content?: Record<string, unknown> }>;

/** The operation the host would route this request to (same decoding and matching as the local host). */
function operationFor(method: string, rawPath: string): { path: string; method: string; responses: Responses } | undefined {
  const path = rawPath.split('?')[0]!;
  if (!/^\/api\//i.test(path)) return undefined;
  let rest = path.slice('/api/'.length);
  if (rest.endsWith('/')) rest = rest.slice(0, -1);
  let segments: string[];
  try {
    segments = rest.split('/').map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
  const match = resolveRoute(http, method.toUpperCase(), segments);
  if (!match || match.def.internal) return undefined;
  for (const [p, ops] of Object.entries(doc.paths)) {
    for (const [m, op] of Object.entries(ops)) {
      if ((op as { operationId: string }).operationId === match.def.name && m === method.toLowerCase())
        return { path: p, method: m, responses: (op as { responses: Responses }).responses };
    }
  }
  throw new Error(`${match.def.name} is routed but missing from the OpenAPI document`);
}

export interface ReceivedResponse {
  status: number;
  contentType: string | null;
  /** The parsed JSON body, or undefined when there was none. */
  json: unknown;
  text: string;
}

/** Why this answer breaks the document; empty when it conforms. */
export function contractViolations(method: string, rawPath: string, res: ReceivedResponse): string[] {
  const op = operationFor(method, rawPath);
  const where = op ? `${op.method.toUpperCase()} ${op.path}` : `${method.toUpperCase()} (no operation)`;
  const mediaType = (res.contentType ?? '').split(';')[0]!.trim().toLowerCase();
  let schemaRef: string;
  if (op) {
    const documented = op.responses[String(res.status)];
    if (!documented) return [`${where}: status ${res.status} is not documented`];
    if (!documented.content) return res.text ? [`${where} ${res.status}: a body where none is documented`] : [];
    if (method.toUpperCase() === 'HEAD') return [];
    if (!(mediaType in documented.content))
      return [`${where} ${res.status}: media type ${mediaType || '(none)'} is not one of ${Object.keys(documented.content).join(', ')}`];
    // A documented page or file (text/html, application/pdf): the media type is the contract.
    if (mediaType !== 'application/json' && !mediaType.endsWith('+json')) return [];
    schemaRef = `${DOC_ID}#/${pointer('paths', op.path, op.method, 'responses', String(res.status), 'content', mediaType, 'schema')}`;
  } else {
    if (!HOST_STATUSES.has(res.status)) return [`${where}: status ${res.status} outside any operation`];
    if (method.toUpperCase() === 'HEAD') return [];
    if (mediaType !== PROBLEM_CONTENT_TYPE)
      return [`${where} ${res.status}: expected ${PROBLEM_CONTENT_TYPE}, got ${mediaType || '(none)'}`];
    schemaRef = `${DOC_ID}#/components/schemas/Problem`;
  }
  if (res.json === undefined) return [`${where} ${res.status}: the body is not JSON`];
  const validate = validatorAt(schemaRef);
  if (validate(res.json)) return [];
  return (validate.errors ?? []).map((e) => `${where} ${res.status}: body${e.instancePath} ${e.message ?? 'is invalid'}`);
}

/**
 * Why one Server-Sent Event of a streamed answer breaks the document: its name must be one the operation
 * documents (`x-sse-events`) and its data must match that event's schema. Empty when it conforms.
 */
export function eventViolations(method: string, rawPath: string, status: number, eventName: string, data: unknown): string[] {
  const op = operationFor(method, rawPath);
  if (!op) return [`${method.toUpperCase()} ${rawPath}: an event stream outside any operation`];
  const where = `${op.method.toUpperCase()} ${op.path} ${status}`;
  const media = op.responses[String(status)]?.content?.[EVENT_STREAM] as Record<string, Record<string, unknown>> | undefined;
  if (!media?.[EVENTS_EXTENSION]) return [`${where}: no event stream is documented`];
  if (!(eventName in media[EVENTS_EXTENSION]))
    return [`${where}: event ${eventName} is not one of ${Object.keys(media[EVENTS_EXTENSION]).join(', ')}`];
  const validate = validatorAt(
    `${DOC_ID}#/${pointer('paths', op.path, op.method, 'responses', String(status), 'content', EVENT_STREAM, EVENTS_EXTENSION, eventName)}`,
  );
  if (validate(data)) return [];
  return (validate.errors ?? []).map((e) => `${where}: event ${eventName} data${e.instancePath} ${e.message ?? 'is invalid'}`);
}

import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { z } from 'zod';
import { contextFromHeaders, inSpan, tracer } from '../../common/tracing';
import type { Deps } from '../deps';
import { ApiProblem, internalError, isProblem, type ProblemCode, payloadTooLarge, validationProblem } from '../errors';
import { authenticate } from './auth';
import { fieldErrorsFrom, PROBLEM_CONTENT_TYPE, ProblemError, type ProblemLocation } from './problem';
import { type AnyHttpFunction, type ApiResponse, hostRoute, type ResponseDoc } from './types';

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024;
const JSON_TYPE = /^application\/(?:[a-z0-9.+-]+\+)?json\s*(?:;.*)?$/i;

const COMMON_HEADERS = { 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' };

function parse<S extends z.ZodType>(schema: S | undefined, value: unknown, where: ProblemLocation): unknown {
  if (!schema) return undefined;
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw validationProblem(fieldErrorsFrom(parsed.error, where));
  return parsed.data;
}

/** Query parameters as a record; a repeated parameter is ambiguous and rejected. */
function queryRecord(request: HttpRequest): Record<string, string> {
  const out: Record<string, string> = {};
  const repeated: string[] = [];
  for (const [k, v] of request.query) {
    if (Object.hasOwn(out, k)) repeated.push(k);
    out[k] = v;
  }
  if (repeated.length) {
    throw validationProblem(
      [...new Set(repeated)].map((k) => ({
        in: 'query',
        path: /^[A-Za-z0-9_.-]{1,64}$/.test(k) ? k : '(unprintable)',
        pointer: '#/',
        code: 'repeated',
        detail: 'given more than once',
      })),
    );
  }
  return out;
}

/** Reads the body within the definition's limit and parses it as JSON when the definition has a body schema. */
async function readBody(def: AnyHttpFunction, request: HttpRequest): Promise<unknown> {
  const limit = def.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (Number.isFinite(declared) && declared > limit) throw payloadTooLarge(limit);
  if (request.method === 'GET' || request.method === 'HEAD') return undefined;
  const bytes = Buffer.from(await request.arrayBuffer());
  if (bytes.length > limit) throw payloadTooLarge(limit);
  if (!def.body) return undefined; // endpoints without a body ignore one
  if (bytes.length === 0) throw new ApiProblem('body_required', 'send the request fields as a JSON object');
  if (!JSON_TYPE.test(request.headers.get('content-type') ?? ''))
    throw new ApiProblem('unsupported_media_type', 'send the body with Content-Type: application/json');
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw new ApiProblem('malformed_json', 'the body could not be parsed as UTF-8 JSON');
  }
}

/**
 * What this pipeline (and the host in front of it) may answer for a definition besides the handler's own
 * answers: the OpenAPI document lists both, so every status a client can receive is documented.
 */
export function pipelineResponses(def: AnyHttpFunction): Record<number, ResponseDoc> {
  const out: Record<number, ResponseDoc> = {
    400: {
      description: 'invalid request',
      codes: ['validation_failed', 'malformed_url', ...(def.body ? ['malformed_json', 'body_required'] : [])],
    },
    413: { description: 'body too large', codes: ['payload_too_large'] },
    500: { description: 'unexpected failure (invocationId names it in the logs)', codes: ['internal_error'] },
  };
  // Until its Key Vault secrets are there, the app answers every route so (health: its own answer).
  if (!def.whileStarting) out[503] = { description: 'the service is starting (configuration not complete)', codes: ['secrets_pending'] };
  if (def.body) out[415] = { description: 'body not sent as application/json', codes: ['unsupported_media_type'] };
  if (def.auth !== 'anonymous') {
    out[401] = { description: 'no or invalid token', codes: ['unauthenticated', 'invalid_token'] };
    out[503] = {
      description: 'the identity service cannot be reached, or the service is starting',
      codes: ['service_unavailable', ...(out[503]?.codes ?? [])],
    };
  }
  // The codes of functions/framework/auth.ts's refusals: rows of the problem table (a typo does not compile).
  const reauthentication: ProblemCode = 'reauthentication_required';
  if (def.auth === 'member' && def.maxSignInAgeSeconds !== undefined)
    out[401] = { description: 'no or invalid token, or signed in too long ago', codes: [...(out[401]?.codes ?? []), reauthentication] };
  if (def.auth === 'member')
    out[403] = { description: 'a staff account (members only)', codes: ['member_account_required' satisfies ProblemCode] };
  const staffCodes: ProblemCode[] = ['staff_sign_in_required', 'second_factor_required'];
  if (def.auth === 'owner' || def.auth === 'reviewer' || def.auth === 'operator')
    out[401] = {
      description: 'no or invalid token, or a staff sign-in too long ago',
      codes: [...(out[401]?.codes ?? []), reauthentication],
    };
  if (def.auth === 'owner')
    out[403] = { description: 'a staff token without a second factor', codes: ['second_factor_required' satisfies ProblemCode] };
  if (def.auth === 'reviewer')
    out[403] = { description: 'not staff with a second factor, or not a reviewer', codes: [...staffCodes, 'reviewer_role_required'] };
  if (def.auth === 'operator')
    out[403] = { description: 'not staff with a second factor, or not an operator', codes: [...staffCodes, 'operator_role_required'] };
  return out;
}

export function problemResponse(err: ProblemError): HttpResponseInit {
  return {
    status: err.status,
    headers: { ...COMMON_HEADERS, ...(err.headers ?? {}), 'Content-Type': PROBLEM_CONTENT_TYPE },
    body: JSON.stringify(err.toProblem()),
  };
}

function toResponse(res: ApiResponse): HttpResponseInit {
  const headers = { ...COMMON_HEADERS, ...(res.headers ?? {}) };
  if (res.rawBody) return { status: res.status, headers, body: res.rawBody };
  if (res.stream) return { status: res.status, headers, body: res.stream };
  if (res.body === undefined) return { status: res.status, headers };
  return { status: res.status, headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(res.body) };
}

/**
 * The Azure Functions handler of one definition: authenticate, validate params, query and body with the
 * definition's schemas, run the handler, and turn every failure into problem+json. Unknown errors become
 * a 500 with the invocation id; only their class name is logged (messages may carry identifiers only).
 */
export function httpHandlerFor(def: AnyHttpFunction, getDeps: () => Deps): HttpHandler {
  const handle = untracedHandlerFor(def, getDeps);
  const route = `/${hostRoute(def)}`;
  return (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> =>
    // The request's span: the root of the scan's trace (or a child of the caller's W3C traceparent).
    // Named by the route template, so no scan or member id is ever part of a span name; no URL, no body.
    tracer().startActiveSpan(
      `${request.method} ${route}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'http.route': route, 'faas.name': def.name } },
      contextFromHeaders(request.headers),
      async (span) => {
        try {
          const res = await handle(request, context);
          const status = res.status ?? 200;
          span.setAttribute('http.response.status_code', status);
          if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          return res;
        } catch (err) {
          span.setStatus({ code: SpanStatusCode.ERROR });
          throw err;
        } finally {
          span.end();
        }
      },
    );
}

/** A blob or timer trigger's invocation as the root span of what it starts (the upload trigger starts the scan's workflow). */
export function inTriggerSpan<T>(functionName: string, trigger: 'datasource' | 'timer', fn: () => Promise<T>): Promise<T> {
  return inSpan(
    `${trigger} ${functionName}`,
    { kind: SpanKind.CONSUMER, attributes: { 'faas.name': functionName, 'faas.trigger': trigger } },
    fn,
  );
}

function untracedHandlerFor(def: AnyHttpFunction, getDeps: () => Deps): HttpHandler {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const started = Date.now();
    let status = 500;
    let extra: Record<string, string> = {};
    const withExtra = (out: HttpResponseInit): HttpResponseInit => ({
      ...out,
      headers: { ...(out.headers as Record<string, string>), ...extra },
    });
    try {
      const deps = getDeps();
      extra = def.responseHeaders?.(request, deps) ?? {};
      const principal = await authenticate(request, deps, def);
      const params = parse(def.params, { ...request.params }, 'params');
      const query = parse(def.query, queryRecord(request), 'query');
      const body = parse(def.body, await readBody(def, request), 'body');
      const origin = new URL(request.url).origin;
      const res = await def.handler({
        params,
        query,
        body,
        principal,
        request,
        context,
        deps,
        urlFor: (path) => `${origin}${path}`,
      } as Parameters<AnyHttpFunction['handler']>[0]);
      status = res.status;
      return withExtra(toResponse(res));
    } catch (err) {
      if (isProblem(err, 'secrets_pending') && def.whileStarting) {
        const res = def.whileStarting();
        status = res.status;
        return withExtra(toResponse(res));
      }
      if (err instanceof ProblemError) {
        status = err.status;
        return withExtra(problemResponse(err));
      }
      context.error(`${def.name} failed: ${err instanceof Error ? `${err.name}: ${err.message}` : 'non-error thrown'}`);
      return withExtra(problemResponse(internalError(context.invocationId)));
    } finally {
      context.log(`${def.name} ${request.method} -> ${status} in ${Date.now() - started} ms`);
    }
  };
}

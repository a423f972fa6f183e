import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ReadableStream } from 'node:stream/web';
import { type HttpHandler, HttpRequest, HttpResponse, type HttpResponseInit } from '@azure/functions';
import type { Deps } from '../deps';
import { ApiProblem, internalError, methodNotAllowed, payloadTooLarge } from '../errors';
import { DEFAULT_MAX_BODY_BYTES, httpHandlerFor, problemResponse } from '../framework/pipeline';
import type { ProblemError } from '../framework/problem';
import { ALL_METHODS, matchRoute, resolveRoute } from '../framework/routes';
import type { AnyHttpFunction } from '../framework/types';
import { contextFor, type HostLog } from './context';

/** The host's own cap on a request body; each function applies its smaller limit itself. */
const HOST_MAX_BODY_BYTES = 1024 * 1024;

/**
 * The HTTP functions over node:http, routed as the Functions host routes them with an empty routePrefix,
 * each call through real HttpRequest / InvocationContext objects of @azure/functions.
 */
export async function startHttpServer(opts: {
  defs: AnyHttpFunction[];
  deps: Deps;
  log: HostLog;
  port: number;
  host: string;
}): Promise<{ origin: string; port: number; close(): Promise<void> }> {
  const { defs: httpDefs, deps, log } = opts;
  const handlers = new Map<AnyHttpFunction, HttpHandler>(httpDefs.map((d) => [d, httpHandlerFor(d, () => deps)]));
  let origin = '';

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      log('error', `local host: ${err instanceof Error ? err.name : 'error'} while answering`);
      if (!res.headersSent) void writeProblem(res, internalError('local-host')).catch(() => res.destroy());
      else res.destroy();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  async function handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const method = (req.method ?? 'GET').toUpperCase();
    const raw = req.url ?? '/';
    const q = raw.indexOf('?');
    const rawPath = q === -1 ? raw : raw.slice(0, q);
    const rawQuery = q === -1 ? '' : raw.slice(q);
    // As the Functions host with an empty routePrefix: API routes below /api/, root-mounted ones (the console) elsewhere.
    const underApi = /^\/api\//i.test(rawPath);
    const defs = httpDefs.filter((d) => (d.mount === 'root') !== underApi);
    let rest = rawPath.slice(underApi ? '/api/'.length : 1);
    if (rest.endsWith('/')) rest = rest.slice(0, -1);
    let segments: string[];
    try {
      segments = rest.split('/').map((s) => decodeURIComponent(s));
    } catch {
      return writeProblem(res, new ApiProblem('malformed_url', 'the path has an invalid percent-encoding'));
    }
    if (!underApi && !defs.some((d) => matchRoute(d.route, segments)))
      return writeProblem(res, new ApiProblem('not_found', 'no function serves this path'));

    const match = resolveRoute(defs, method, segments);
    if (!match) {
      const used = new Set<string>(defs.filter((d) => !d.internal && matchRoute(d.route, segments)).flatMap((d) => d.methods));
      const allowed = ALL_METHODS.filter((m) => used.has(m));
      return writeProblem(res, allowed.length ? methodNotAllowed(allowed) : new ApiProblem('not_found', 'no function serves this path'));
    }

    // The body, within the host's cap (the function's own, smaller limit is applied by the pipeline).
    const limitFor413 = match.def.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    if (Number(req.headers['content-length'] ?? 0) > HOST_MAX_BODY_BYTES) {
      res.setHeader('Connection', 'close');
      req.resume(); // drain in the background; the answer does not wait for it
      return writeProblem(res, payloadTooLarge(limitFor413));
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size <= HOST_MAX_BODY_BYTES) chunks.push(chunk as Buffer);
    }
    if (size > HOST_MAX_BODY_BYTES) return writeProblem(res, payloadTooLarge(limitFor413));

    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    let request: HttpRequest;
    try {
      request = new HttpRequest({
        method,
        url: `${origin}${rawPath}${rawQuery}`,
        headers,
        params: match.params,
        body: { bytes: Buffer.concat(chunks) },
      });
    } catch {
      // The fetch Request refuses a few methods and header values outright.
      return writeProblem(
        res,
        match.def.internal
          ? methodNotAllowed(allowedOn(match.def.route))
          : new ApiProblem('malformed_url', 'the request cannot be represented'),
      );
    }
    const started = performance.now();
    const out = await handlers.get(match.def)!(request, contextFor(match.def.name, log));
    // The function's own time, from the server's side (the bench reads it; issue 27): what a client's
    // figure adds beyond it is HTTP and the load tool.
    res.setHeader('Server-Timing', `handler;dur=${(performance.now() - started).toFixed(1)}`);
    await writeResponse(res, out);
  }

  function allowedOn(route: string): string[] {
    const used = new Set<string>(httpDefs.filter((d) => !d.internal && d.route === route).flatMap((d) => d.methods));
    return ALL_METHODS.filter((m) => used.has(m));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://${opts.host}:${port}`;
  return {
    origin,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function writeResponse(res: http.ServerResponse, out: HttpResponseInit | HttpResponse): Promise<void> {
  if (out instanceof HttpResponse) {
    res.statusCode = out.status;
    for (const [k, v] of out.headers) res.setHeader(k, v);
    res.end(Buffer.from(await out.arrayBuffer()));
    return;
  }
  res.statusCode = out.status ?? 200;
  const headers =
    out.headers instanceof Headers
      ? Object.fromEntries(out.headers)
      : Array.isArray(out.headers)
        ? Object.fromEntries(out.headers)
        : (out.headers ?? {});
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  if (out.jsonBody !== undefined) {
    if (!res.hasHeader('content-type')) res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify(out.jsonBody));
  } else if (typeof out.body === 'string' || out.body instanceof Uint8Array) {
    res.end(out.body);
  } else if (out.body instanceof ReadableStream) {
    // Written as produced (the scan's event stream). A client that goes away ends the pipeline, which
    // cancels the stream (its listener stops).
    res.flushHeaders();
    await pipeline(Readable.fromWeb(out.body), res).catch(() => undefined);
  } else {
    res.end();
  }
}

async function writeProblem(res: http.ServerResponse, err: ProblemError) {
  await writeResponse(res, problemResponse(err));
}

import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ReadableStream } from 'node:stream/web';
import { type HttpHandler, HttpRequest, HttpResponse, type HttpResponseInit, InvocationContext, type LogLevel } from '@azure/functions';
import { Cron } from 'croner';
import { sharedTemporalClient, TemporalConnectionError } from '../common/clients/temporal';
import { type Config, loadConfigOrExit } from '../common/config';
import { registrations } from './definitions';
import { createDeps, type Deps } from './deps';
import { ApiProblem, internalError, methodNotAllowed, payloadTooLarge } from './errors';
import { DEFAULT_MAX_BODY_BYTES, httpHandlerFor, inTriggerSpan, problemResponse } from './framework/pipeline';
import type { ProblemError } from './framework/problem';
import { ALL_METHODS, matchRoute, resolveRoute } from './framework/routes';
import type { AnyHttpFunction, BlobFunctionDefinition, TimerFunctionDefinition } from './framework/types';

// A stand-in for the Azure Functions host where Core Tools cannot be installed: it serves the very same
// function table over node:http (real HttpRequest / InvocationContext objects from @azure/functions) and
// delivers Blob-created events for Azurite, which has no Event Grid, to the same blob trigger handler,
// and runs the timer functions on their schedules.

/** The host's own cap on a request body; each function applies its smaller limit itself. */
const HOST_MAX_BODY_BYTES = 1024 * 1024;
const MAX_TRIGGER_ATTEMPTS = 5; // as the Functions host's blob trigger retries (maxDequeueCount)
/**
 * Event Grid keeps retrying an event for 24 hours (its default event time-to-live) while the Functions
 * app is down, so a host that starts delivers what was created in that window, not only what comes next.
 */
const EVENT_RETRY_WINDOW_MS = 24 * 3600_000;
/** Blob events handled at once (a start after downtime can find many). */
const MAX_CONCURRENT_DELIVERIES = 16;

export interface LocalHostOptions {
  config: Config;
  port?: number;
  host?: string;
  /** Injected dependencies (tests); by default created once for this host. */
  deps?: Deps;
  pollIntervalMs?: number;
  /** Run the timer functions on their schedules (default true). */
  timers?: boolean;
  log?: (level: LogLevel, message: string) => void;
}

export interface LocalHost {
  url: string;
  port: number;
  deps: Deps;
  /** Blob events delivered so far (tests wait on this). */
  deliveredEvents(): number;
  /** Resolves once every event delivered so far has been handled. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

const defaultLog = (level: LogLevel, message: string) => {
  if (level === 'error' || level === 'critical' || level === 'warning') process.stderr.write(`[functions] ${level}: ${message}\n`);
  else if (process.env.LOG_LEVEL === 'debug') process.stdout.write(`[functions] ${message}\n`);
};

function contextFor(functionName: string, log: NonNullable<LocalHostOptions['log']>, triggerMetadata?: Record<string, unknown>) {
  return new InvocationContext({
    invocationId: randomUUID(),
    functionName,
    logHandler: (level, ...args) => log(level, args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')),
    ...(triggerMetadata ? { triggerMetadata } : {}),
  });
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

export async function startLocalHost(opts: LocalHostOptions): Promise<LocalHost> {
  const { config } = opts;
  const log = opts.log ?? defaultLog;
  const ownDeps = !opts.deps;
  const deps = opts.deps ?? createDeps(config, { firebaseAppName: `local-host-${randomUUID()}` });
  const { http: httpDefs, blob: blobDefs, timer: timerDefs } = registrations();
  const handlers = new Map<AnyHttpFunction, HttpHandler>(httpDefs.map((d) => [d, httpHandlerFor(d, () => deps)]));
  const bindHost = opts.host ?? '127.0.0.1';
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
    const out = await handlers.get(match.def)!(request, contextFor(match.def.name, log));
    await writeResponse(res, out);
  }

  function allowedOn(route: string): string[] {
    const used = new Set<string>(httpDefs.filter((d) => !d.internal && d.route === route).flatMap((d) => d.methods));
    return ALL_METHODS.filter((m) => used.has(m));
  }

  // ---- Blob-created events for Azurite ------------------------------------------------------------
  const pollers = blobDefs.map((def) => blobPoller(def));
  let delivered = 0;
  const inFlight = new Set<Promise<void>>();

  // Deliveries wait for a slot, so a start after downtime does not open hundreds of requests at once.
  let running = 0;
  const slots: (() => void)[] = [];
  async function inSlot<T>(work: () => Promise<T>): Promise<T> {
    if (running >= MAX_CONCURRENT_DELIVERIES) await new Promise<void>((resolve) => slots.push(resolve));
    running++;
    try {
      return await work();
    } finally {
      running--;
      slots.shift()?.();
    }
  }

  function blobPoller(def: BlobFunctionDefinition) {
    const containerName = def.container(config);
    const container = deps.blob.getContainerClient(containerName);
    const seen = new Map<string, string>();
    const attempts = new Map<string, number>();
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;

    async function listOnce(createdAfter: number) {
      const fresh: string[] = [];
      for await (const b of container.listBlobsFlat()) {
        const tag = `${b.properties.etag ?? ''}`;
        if (seen.get(b.name) === tag) continue;
        seen.set(b.name, tag);
        if (b.properties.lastModified.getTime() > createdAfter) fresh.push(b.name);
      }
      for (const name of fresh) {
        const key = `${name}#${seen.get(name)}`;
        delivered++;
        const p = inSlot(() =>
          inTriggerSpan(def.name, 'datasource', () =>
            def.handler(
              { name, container: containerName },
              contextFor(def.name, log, { name, blobTrigger: `${containerName}/${name}`, uri: container.getBlobClient(name).url }),
              deps,
            ),
          ),
        )
          .then(() => {
            attempts.delete(key);
          })
          .catch((err: unknown) => {
            const n = (attempts.get(key) ?? 0) + 1;
            attempts.set(key, n);
            log('error', `${def.name}: attempt ${n} failed (${err instanceof Error ? err.name : 'error'})`);
            if (n < MAX_TRIGGER_ATTEMPTS) seen.delete(name); // delivered again on the next poll
          })
          .finally(() => inFlight.delete(p));
        inFlight.add(p);
      }
    }

    return {
      async start() {
        // What arrived while no host ran is delivered now, as Event Grid's retries would; older blobs
        // are past its retry window (the reconciliation timer covers their scans).
        let createdAfter = deps.now().getTime() - EVENT_RETRY_WINDOW_MS;
        const loop = async () => {
          if (stopped) return;
          await listOnce(createdAfter).then(
            () => {
              createdAfter = Number.NEGATIVE_INFINITY; // after the first listing every new blob is an event
            },
            (err: unknown) => log('warning', `${def.name}: listing failed (${err instanceof Error ? err.name : 'error'})`),
          );
          if (!stopped) timer = setTimeout(loop, opts.pollIntervalMs ?? 300);
        };
        timer = setTimeout(loop, 0);
      },
      stop() {
        stopped = true;
        clearTimeout(timer);
      },
    };
  }

  await Promise.all(pollers.map((p) => p.start()));

  // ---- Timers (NCRONTAB, UTC), as the Functions host's timer trigger --------------------------------
  const timerJobs = opts.timers === false ? [] : timerDefs.map((def) => timerJob(def));

  function timerJob(def: TimerFunctionDefinition) {
    // protect: a run still going when the next is due is skipped, like the host's singleton timer lock.
    return new Cron(def.schedule, { timezone: 'UTC', protect: true }, async () => {
      const p = inTriggerSpan(def.name, 'timer', () => def.handler(contextFor(def.name, log), deps, deps.now())).catch((err: unknown) => {
        log('error', `${def.name}: run failed (${err instanceof Error ? err.name : 'error'})`);
      });
      inFlight.add(p);
      await p.finally(() => inFlight.delete(p));
    });
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, bindHost, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://${bindHost}:${port}`;

  return {
    url: origin,
    port,
    deps,
    deliveredEvents: () => delivered,
    async idle() {
      while (inFlight.size) await Promise.allSettled([...inFlight]);
    },
    async close() {
      for (const p of pollers) p.stop();
      for (const job of timerJobs) job.stop();
      await Promise.allSettled([...inFlight]);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (ownDeps) await deps.close();
    },
  };
}

if (require.main === module) {
  const config = loadConfigOrExit();
  const port = Number(process.env.FUNCTIONS_HTTP_PORT ?? process.env.PORT ?? 7071);
  // Connect before serving: a refused certificate or a wrong server name stops the host with its cause.
  sharedTemporalClient(config)
    .catch((err: unknown) => {
      process.stderr.write(
        `Functions local host: ${err instanceof TemporalConnectionError ? err.message : 'Temporal connection failed'}\n`,
      );
      process.exit(69); // EX_UNAVAILABLE
    })
    .then(() => startLocalHost({ config, port }))
    .then((host) => {
      process.stdout.write(
        `Functions local host on ${host.url}/api (OpenAPI: ${host.url}/api/openapi.json); watching ${config.SCAN_UPLOADS_CONTAINER} for uploads\n`,
      );
      const stop = () => {
        host.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    })
    .catch((err: unknown) => {
      process.stderr.write(`local host failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
}

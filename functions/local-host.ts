import { randomUUID } from 'node:crypto';
import type { LogLevel } from '@azure/functions';
import { sharedTemporalClient, TemporalConnectionError } from '../common/clients/temporal';
import { type Config, loadConfigOrExit } from '../common/config';
import { registrations } from './definitions';
import { createDeps, type Deps } from './deps';
import { startBlobEvents } from './local-host/blob-events';
import { type HostLog, InFlight } from './local-host/context';
import { startHttpServer } from './local-host/http-server';
import { startTimers } from './local-host/timers';

// A stand-in for the Azure Functions host where Core Tools cannot be installed: it serves the very same
// function table over node:http (./local-host/http-server.ts), delivers Blob-created events for Azurite,
// which has no Event Grid, to the same blob trigger handler (./local-host/blob-events.ts), and runs the
// timer functions on their schedules (./local-host/timers.ts).

export interface LocalHostOptions {
  config: Config;
  port?: number;
  host?: string;
  /** Injected dependencies (tests); by default created once for this host. */
  deps?: Deps;
  pollIntervalMs?: number;
  /** Run the timer functions on their schedules (default true). */
  timers?: boolean;
  log?: HostLog;
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

export async function startLocalHost(opts: LocalHostOptions): Promise<LocalHost> {
  const { config } = opts;
  const log = opts.log ?? defaultLog;
  const ownDeps = !opts.deps;
  const deps = opts.deps ?? createDeps(config, { firebaseAppName: `local-host-${randomUUID()}` });
  const defs = registrations();
  const inFlight = new InFlight();

  const blobEvents = startBlobEvents({ defs: defs.blob, config, deps, log, inFlight, pollIntervalMs: opts.pollIntervalMs });
  const timers = opts.timers === false ? undefined : startTimers({ defs: defs.timer, deps, log, inFlight });
  const server = await startHttpServer({ defs: defs.http, deps, log, port: opts.port ?? 0, host: opts.host ?? '127.0.0.1' });

  return {
    url: server.origin,
    port: server.port,
    deps,
    deliveredEvents: () => blobEvents.delivered(),
    idle: () => inFlight.idle(),
    async close() {
      blobEvents.stop();
      timers?.stop();
      await inFlight.idle();
      await server.close();
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

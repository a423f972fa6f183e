import { createHash } from 'node:crypto';
import { connect as tlsConnect } from 'node:tls';
import type { Client, Connection, TLSConfig } from '@temporalio/client';
import type { Config } from '../config';
import { payloadDataConverter } from '../temporal/payload-encryption';
import { temporalClientSdk, temporalEnvconfigSdk, temporalOtelClientSdk } from './sdk-modules';

/**
 * Connection options from the @temporalio/envconfig settings: plain on a laptop, mTLS or an API key
 * against Temporal Cloud. Read from the validated config so both the client and the worker agree.
 */
export function temporalConnectionOptions(config: Partial<Config>) {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) {
    if (k.startsWith('TEMPORAL_') && v !== undefined) env[k] = String(v);
  }
  const { connectionOptions } = temporalEnvconfigSdk().loadClientConnectConfig({ disableFile: true, overrideEnvVars: env });
  return connectionOptions;
}

/** A refused or failed Temporal connection, with the cause named (never a key, certificate or API key). */
export class TemporalConnectionError extends Error {
  override readonly name = 'TemporalConnectionError';
  readonly code = 'temporal_connection_failed';
  constructor(
    readonly address: string,
    readonly tls: boolean,
    readonly reason: string,
  ) {
    super(`cannot connect to Temporal at ${address}${tls ? ' over TLS' : ''}: ${reason}`);
  }
}

type TlsOptions = TLSConfig | boolean | null | undefined;

const pem = (b: Uint8Array | undefined) => (b ? Buffer.from(b) : undefined);

/** The TLS handshake alone, as the connection would make it: names what the server's certificate gets wrong. */
function tlsHandshakeProblem(address: string, tls: TLSConfig, timeoutMs = 3000): Promise<string | undefined> {
  const host = address.slice(0, address.lastIndexOf(':')).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  return new Promise((resolve) => {
    const socket = tlsConnect({
      host,
      port,
      servername: tls.serverNameOverride ?? host,
      ca: pem(tls.serverRootCACertificate),
      cert: pem(tls.clientCertPair?.crt),
      key: pem(tls.clientCertPair?.key),
      ALPNProtocols: ['h2'],
    });
    const done = (problem: string | undefined) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(timeoutMs, () => done('no TLS handshake within the timeout'));
    socket.once('secureConnect', () => done(undefined));
    socket.once('error', (err) => done(`TLS handshake failed: ${err.message}`));
  });
}

/** What the transport said, from the innermost gRPC status (grpc-js hides it in `cause`). */
function transportReason(err: unknown): string {
  let e: unknown = err;
  for (let i = 0; i < 5 && e; i++) {
    const details = (e as { details?: unknown }).details;
    if (typeof details === 'string' && details) return details;
    const cause = (e as { cause?: unknown }).cause;
    if (!cause) break;
    e = cause;
  }
  return err instanceof Error ? err.message : String(err);
}

/**
 * Turns a failed connect into an error naming the cause: a refused client certificate (the peer's gRPC
 * status message), or a server certificate that fails verification (a TLS handshake made the same way).
 */
export async function explainConnectFailure(err: unknown, address: string, tls: TlsOptions): Promise<TemporalConnectionError> {
  let reason = transportReason(err);
  if (tls && /deadline|failed to connect|transport|connecterror/i.test(reason)) {
    reason = (await tlsHandshakeProblem(address, tls === true ? {} : tls)) ?? reason;
  }
  return new TemporalConnectionError(address, Boolean(tls), reason);
}

/** What identifies the client credentials in place now (certificate and key files are read again on every call). */
export function clientCredentialsFingerprint(config: Config): string {
  const tls = temporalConnectionOptions(config).tls;
  const pair = tls && typeof tls === 'object' ? tls.clientCertPair : undefined;
  if (!pair) return 'none';
  return createHash('sha256').update(pair.crt).update('\0').update(pair.key).digest('hex');
}

let shared: { client: Promise<Client>; fingerprint: string; checkedAt: number } | undefined;
/** How long a replaced client's connection stays open for calls already made on it. */
const RETIRED_CONNECTION_GRACE_MS = 60_000;

/**
 * One connection per process, reused across Function invocations (connections are expensive). When the
 * client certificate changed (checked at most every TEMPORAL_TLS_ROTATION_CHECK_SECONDS), the next call
 * gets a new client on the new certificate and the old connection closes after a grace period.
 */
export function sharedTemporalClient(config: Config): Promise<Client> {
  const everyMs = config.TEMPORAL_TLS_ROTATION_CHECK_SECONDS * 1000;
  if (shared && everyMs > 0 && Date.now() - shared.checkedAt >= everyMs) {
    shared.checkedAt = Date.now();
    let fingerprint = shared.fingerprint;
    try {
      fingerprint = clientCredentialsFingerprint(config);
    } catch {
      // unreadable mid-replacement: keep the current client, look again next time
    }
    if (fingerprint !== shared.fingerprint) {
      const retired = shared.client;
      shared = undefined;
      void retired.then(
        (c) => setTimeout(() => void c.connection.close().catch(() => undefined), RETIRED_CONNECTION_GRACE_MS).unref(),
        () => undefined,
      );
    }
  }
  if (!shared) {
    let fingerprint = 'unreadable';
    try {
      fingerprint = clientCredentialsFingerprint(config);
    } catch {
      // the connect below names the problem
    }
    const entry = { client: Promise.resolve(undefined as unknown as Client), fingerprint, checkedAt: Date.now() };
    entry.client = createTemporalClient(config).catch((err) => {
      if (shared === entry) shared = undefined; // let the next invocation try again
      throw err;
    });
    shared = entry;
  }
  return shared.client;
}

/** The one place a Temporal client connection is made (the Functions app, tools and tests). */
export async function createTemporalClient(config: Config): Promise<Client> {
  const opts = temporalConnectionOptions(config);
  const address = opts.address ?? config.TEMPORAL_ADDRESS;
  let connection: Connection;
  try {
    connection = await temporalClientSdk().Connection.connect({ address, tls: opts.tls, apiKey: opts.apiKey, metadata: opts.metadata });
  } catch (err) {
    throw await explainConnectFailure(err, address, opts.tls);
  }
  return new (temporalClientSdk().Client)({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    dataConverter: payloadDataConverter(config),
    // Starts, signals and updates carry the caller's trace context in their headers: one trace per scan.
    interceptors: { workflow: [new (temporalOtelClientSdk().OpenTelemetryWorkflowClientInterceptor)()] },
  });
}

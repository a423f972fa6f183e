import { Client, Connection } from '@temporalio/client';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { Config } from '../config';
import { payloadDataConverter } from '../temporal/payload-encryption';

/**
 * Connection options from the @temporalio/envconfig settings: plain on a laptop, mTLS or an API key
 * against Temporal Cloud. Read from the validated config so both the client and the worker agree.
 */
export function temporalConnectionOptions(config: Config) {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(config)) {
    if (k.startsWith('TEMPORAL_') && v !== undefined) env[k] = String(v);
  }
  const { connectionOptions } = loadClientConnectConfig({ disableFile: true, overrideEnvVars: env });
  return connectionOptions;
}

let shared: Promise<Client> | undefined;

/** One connection per process, reused across Function invocations (connections are expensive). */
export function sharedTemporalClient(config: Config): Promise<Client> {
  shared ??= createTemporalClient(config).catch((err) => {
    shared = undefined; // let the next invocation try again
    throw err;
  });
  return shared;
}

export async function createTemporalClient(config: Config): Promise<Client> {
  const opts = temporalConnectionOptions(config);
  const connection = await Connection.connect({
    address: opts.address,
    tls: opts.tls,
    apiKey: opts.apiKey,
    metadata: opts.metadata,
  });
  return new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: payloadDataConverter(config) });
}

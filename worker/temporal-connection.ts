import { NativeConnection } from '@temporalio/worker';
import { explainConnectFailure, temporalConnectionOptions } from '../common/clients/temporal';
import type { Config } from '../common/config';

/** The one place the worker's Temporal connection is made: envconfig settings, causes named on failure. */
export async function connectWorkerToTemporal(config: Config): Promise<NativeConnection> {
  const opts = temporalConnectionOptions(config);
  const address = opts.address ?? config.TEMPORAL_ADDRESS;
  try {
    return await NativeConnection.connect(opts);
  } catch (err) {
    throw await explainConnectFailure(err, address, opts.tls);
  }
}

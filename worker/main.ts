// The worker container's entry point: validated config, one Temporal connection, the scan activities,
// health endpoints, and a graceful shutdown on SIGTERM/SIGINT that lets running activities finish.
import { Client } from '@temporalio/client';
import { createBlobService, createDataBlobService } from '../common/clients/blob';
import { createFirebase } from '../common/clients/firebase';
import { TemporalConnectionError } from '../common/clients/temporal';
import { startConfigGateOrExit } from '../common/secrets/config-gate';
import { startTelemetry } from '../common/telemetry';
import { payloadDataConverter } from '../common/temporal/payload-encryption';
import { activityDepsFromConfig, createScanWorker, createWorkerActivities, findWorkflowBundle } from './create-worker';
import { type Readiness, startHealthServer } from './health';
import { startRotatingWorker } from './rotating-worker';
import { installWorkerRuntime } from './telemetry';

async function main() {
  const gate = startConfigGateOrExit('worker'); // a bad setting exits 78 and is named; missing secrets are waited for
  // Up and alive before the secrets are read: /readyz says what the worker waits for.
  let readiness: () => Readiness = () => (gate.current().ready ? 'not_ready' : 'waiting_for_secrets');
  const health = await startHealthServer(gate.startup.WORKER_HEALTH_PORT, () => readiness());
  const waitingStop = () => {
    gate.close();
    void health.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', waitingStop);
  process.once('SIGINT', waitingStop);
  const config = await gate.ready();
  process.off('SIGTERM', waitingStop);
  process.off('SIGINT', waitingStop);

  const telemetry = startTelemetry(config, 'reddyfit-scan-worker');
  // Temporal SDK metrics and the scan outcome metrics go to Application Insights through OpenTelemetry.
  const temporalMetrics = installWorkerRuntime(config.LOG_LEVEL.toUpperCase() as 'INFO');

  const firebase = createFirebase(config);
  const blobs = { uploads: createBlobService(config), data: createDataBlobService(config) };
  const log = (msg: string, fields: Record<string, unknown> = {}) => console.log(JSON.stringify({ msg, ...fields }));
  // One worker per connection; a rotated client certificate brings a new pair and the old one drains.
  const rotating = await startRotatingWorker({
    config,
    log,
    build: async (connection) => {
      // The archive activities list closed runs and fetch histories through a client on the same connection.
      const temporal = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: payloadDataConverter(config) });
      const activities = createWorkerActivities(activityDepsFromConfig(config, firebase, blobs, temporal));
      return {
        worker: await createScanWorker({ config, connection, activities, db: firebase.db, workflowSpans: telemetry.workflowSpans }),
      };
    },
  });
  readiness = () => (rotating.current().getState() === 'RUNNING' ? 'ready' : 'not_ready');
  log('worker started', {
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    namespace: config.TEMPORAL_NAMESPACE,
    workflowCode: findWorkflowBundle(config) ? 'prebuilt bundle' : 'bundled from source',
    healthPort: health.port,
  });
  // The Runtime turns SIGTERM/SIGINT into worker.shutdown(); `done` resolves once activities have drained.
  await rotating.done;
  temporalMetrics.stop();
  await Promise.all([health.close(), firebase.close(), telemetry.shutdown()]);
}

main().catch((err) => {
  console.error(JSON.stringify({ msg: 'worker failed', error: err instanceof Error ? err.message : String(err) }));
  process.exit(err instanceof TemporalConnectionError ? 69 : 1); // EX_UNAVAILABLE: Temporal refused or unreachable
});

import type { NativeConnection, WorkerDeploymentOptions } from '@temporalio/worker';
import type { Config } from '../common/config';

// Worker Deployment Versioning: every worker declares its deployment and build; a workflow is routed to
// the deployment's current version when it starts and, pinned, stays on that build to its end (a scan
// parked 48 h at the review gate finishes on the code that scored it). The archive and erasure
// workflows choose otherwise in their own files (AUTO_UPGRADE).

export type VersioningConfig = Pick<Config, 'WORKER_BUILD_ID' | 'WORKER_DEPLOYMENT_NAME' | 'WORKER_SCAN_VERSIONING' | 'TEMPORAL_NAMESPACE'>;

/** The deployment a worker on `taskQueue` belongs to: the setting, or the queue's own name. */
export const deploymentNameFor = (config: Pick<Config, 'WORKER_DEPLOYMENT_NAME'>, taskQueue: string) =>
  config.WORKER_DEPLOYMENT_NAME ?? taskQueue;

export function workerDeploymentOptions(config: VersioningConfig, taskQueue: string): WorkerDeploymentOptions {
  return {
    version: { deploymentName: deploymentNameFor(config, taskQueue), buildId: config.WORKER_BUILD_ID },
    useWorkerVersioning: true,
    // The workflows' default (the scan's); a workflow that declares its own behaviour keeps it.
    defaultVersioningBehavior: config.WORKER_SCAN_VERSIONING,
  };
}

/**
 * Makes this build the deployment's current version, so new workflows on its task queues go to it.
 * Called before the worker polls: `allowNoPollers` lets the server record the version now; the queue
 * joins it with the worker's first poll. Setting the version that is already current changes nothing.
 */
export async function becomeCurrentVersion(
  connection: Pick<NativeConnection, 'workflowService'>,
  config: VersioningConfig,
  taskQueue: string,
): Promise<void> {
  await connection.workflowService.setWorkerDeploymentCurrentVersion({
    namespace: config.TEMPORAL_NAMESPACE,
    deploymentName: deploymentNameFor(config, taskQueue),
    buildId: config.WORKER_BUILD_ID,
    allowNoPollers: true,
    identity: `worker ${config.WORKER_BUILD_ID}`,
  });
}

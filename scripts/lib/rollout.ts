import { temporal } from '@temporalio/proto';

// The worker rollout, in one place for every fleet: the Azure deploy hook (container groups, scripts/lib/
// azure-worker-fleet.ts) and the local exercise (worker processes, scripts/lib/local-worker-fleet.ts).
// Temporal decides: a build is made current (or ramped) once its workers poll, and an old build's workers
// are stopped only when Temporal reports its version drained (no open workflow pinned to it).

/** Where a build's workers run. One implementation per place the workers run. */
export interface WorkerFleet {
  /** Starts `buildId`'s workers beside those already running; they must not make themselves current. */
  start(buildId: string): Promise<void>;
  /** The builds whose workers run now. */
  running(): Promise<string[]>;
  /** Stops every worker of `buildId`. */
  stop(buildId: string): Promise<void>;
}

import wsv1 = temporal.api.workflowservice.v1;
/** The worker-deployment calls the rollout makes (a Connection's workflowService has them). */
export interface DeploymentService {
  describeWorkerDeployment(request: wsv1.IDescribeWorkerDeploymentRequest): Promise<wsv1.DescribeWorkerDeploymentResponse>;
  describeWorkerDeploymentVersion(
    request: wsv1.IDescribeWorkerDeploymentVersionRequest,
  ): Promise<wsv1.DescribeWorkerDeploymentVersionResponse>;
  setWorkerDeploymentCurrentVersion(
    request: wsv1.ISetWorkerDeploymentCurrentVersionRequest,
  ): Promise<wsv1.SetWorkerDeploymentCurrentVersionResponse>;
  setWorkerDeploymentRampingVersion(
    request: wsv1.ISetWorkerDeploymentRampingVersionRequest,
  ): Promise<wsv1.SetWorkerDeploymentRampingVersionResponse>;
}

export interface RolloutTarget {
  workflowService: DeploymentService;
  namespace: string;
  deploymentName: string;
  fleet: WorkerFleet;
  log: (line: string) => void;
  /** How long to wait for an old build to drain before leaving its workers for the next deploy. */
  drainWaitSeconds: number;
  /** How long the new build's workers may take to poll. */
  pollWaitSeconds?: number;
  /** Between two looks at Temporal while waiting. */
  checkEveryMs?: number;
}

const Status = temporal.api.enums.v1.WorkerDeploymentVersionStatus;
const statusName = (s: number | null | undefined) =>
  (Status[s ?? 0] ?? 'WORKER_DEPLOYMENT_VERSION_STATUS_UNSPECIFIED').replace('WORKER_DEPLOYMENT_VERSION_STATUS_', '').toLowerCase();
const FAILED_PRECONDITION = 9;
const NOT_FOUND = 5;
const grpcCode = (err: unknown) => (err as { code?: number }).code;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const identity = 'rollout';

/** The version's status as Temporal reports it; `unknown` when the deployment has never seen the build poll. */
export async function versionStatus(t: RolloutTarget, buildId: string) {
  try {
    const { workerDeploymentVersionInfo: info } = await t.workflowService.describeWorkerDeploymentVersion({
      namespace: t.namespace,
      deploymentVersion: { deploymentName: t.deploymentName, buildId },
    });
    return { status: statusName(info?.status), polledQueues: info?.taskQueueInfos?.length ?? 0 };
  } catch (err) {
    if (grpcCode(err) === NOT_FOUND) return { status: 'unknown', polledQueues: 0 };
    throw err;
  }
}

/** The deployment's current and ramping builds (undefined: none, or the deployment does not exist yet). */
export async function routing(t: RolloutTarget) {
  try {
    const { workerDeploymentInfo } = await t.workflowService.describeWorkerDeployment({
      namespace: t.namespace,
      deploymentName: t.deploymentName,
    });
    const config = workerDeploymentInfo?.routingConfig;
    return {
      current: config?.currentDeploymentVersion?.buildId || undefined,
      ramping: config?.rampingDeploymentVersion?.buildId || undefined,
      rampPercent: config?.rampingVersionPercentage ?? 0,
      versions: (workerDeploymentInfo?.versionSummaries ?? []).map((v) => ({
        buildId: v.deploymentVersion?.buildId ?? '',
        status: statusName(v.status),
        lastCurrentMs: Number(v.lastCurrentTime?.seconds ?? 0) * 1000 + (v.lastCurrentTime?.nanos ?? 0) / 1e6,
      })),
    };
  } catch (err) {
    if (grpcCode(err) === NOT_FOUND) return { current: undefined, ramping: undefined, rampPercent: 0, versions: [] };
    throw err;
  }
}

/** Retries while the server answers FAILED_PRECONDITION (a version missing a queue the current one has). */
async function untilAccepted(t: RolloutTarget, what: string, call: () => Promise<unknown>) {
  const deadline = Date.now() + (t.pollWaitSeconds ?? 300) * 1000;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (grpcCode(err) !== FAILED_PRECONDITION || Date.now() > deadline) throw new Error(`${what}: ${(err as Error).message}`);
      await sleep(t.checkEveryMs ?? 1000);
    }
  }
}

async function waitUntilPolling(t: RolloutTarget, buildId: string) {
  const deadline = Date.now() + (t.pollWaitSeconds ?? 300) * 1000;
  while ((await versionStatus(t, buildId)).polledQueues === 0) {
    if (Date.now() > deadline) throw new Error(`build ${buildId}'s workers have not polled Temporal within ${t.pollWaitSeconds ?? 300} s`);
    await sleep(t.checkEveryMs ?? 1000);
  }
}

const setCurrent = (t: RolloutTarget, buildId: string) =>
  untilAccepted(t, `making ${buildId} current`, () =>
    t.workflowService.setWorkerDeploymentCurrentVersion({ namespace: t.namespace, deploymentName: t.deploymentName, buildId, identity }),
  );

const setRamping = (t: RolloutTarget, buildId: string, percentage: number) =>
  untilAccepted(t, `ramping ${buildId || 'nothing'}`, () =>
    t.workflowService.setWorkerDeploymentRampingVersion({
      namespace: t.namespace,
      deploymentName: t.deploymentName,
      buildId, // empty: no ramping version
      percentage,
      identity,
    }),
  );

/**
 * Rolls `buildId` out: starts its workers beside the running ones, waits until they poll, then either ramps
 * it (`rampPercent` of new workflows; the current build keeps the rest and nothing is removed) or makes it
 * current and removes the old builds' workers that have drained ({@link removeDrained}).
 */
export async function rollout(t: RolloutTarget, buildId: string, rampPercent: number) {
  if (!(await t.fleet.running()).includes(buildId)) {
    t.log(`starting build ${buildId}'s workers`);
    await t.fleet.start(buildId);
  }
  await waitUntilPolling(t, buildId);
  const { current } = await routing(t);
  if (rampPercent > 0 && rampPercent < 100 && current && current !== buildId) {
    await setRamping(t, buildId, rampPercent);
    t.log(
      `build ${buildId} takes ${rampPercent}% of new workflows; ${current} stays current (deploy again with a ramp of 0 to make ${buildId} current)`,
    );
    return removeDrained(t);
  }
  if (current !== buildId) await setCurrent(t, buildId);
  t.log(`build ${buildId} is current: new workflows start on it`);
  return removeDrained(t);
}

/**
 * Stops the workers of every running build that is neither current nor ramping once Temporal reports it
 * drained, waiting at most `drainWaitSeconds` for all of them; a build still draining then keeps its workers
 * and is named (the next rollout removes it). A build Temporal has never routed workflows to (inactive, or
 * unknown to a deployment that has a current version) has no pinned workflow and is stopped at once.
 */
export async function removeDrained(t: RolloutTarget) {
  const deadline = Date.now() + t.drainWaitSeconds * 1000;
  const removed: string[] = [];
  for (;;) {
    const { current, ramping } = await routing(t);
    const old = (await t.fleet.running()).filter((b) => b !== current && b !== ramping);
    if (!current && old.length) {
      // No current version: the deployment name is not the workers' (or none was ever made current); a
      // build Temporal does not know under this name may still have pinned scans under another.
      t.log(
        `deployment ${t.deploymentName} has no current version in Temporal: no workers removed (is this the workers' deployment name?)`,
      );
      return { removed, draining: old };
    }
    const waiting: string[] = [];
    for (const build of old) {
      const { status } = await versionStatus(t, build);
      if (status === 'drained' || status === 'inactive' || status === 'unknown') {
        t.log(`build ${build} is ${status} in Temporal: stopping its workers`);
        await t.fleet.stop(build);
        removed.push(build);
      } else waiting.push(build);
    }
    if (waiting.length === 0) return { removed, draining: [] };
    if (Date.now() > deadline) {
      for (const build of waiting)
        t.log(
          `build ${build} is not drained yet (open workflows are pinned to it): its workers keep running; the next deploy, or \`npm run rollout -- --drain\`, removes them once Temporal reports it drained`,
        );
      return { removed, draining: waiting };
    }
    await sleep(t.checkEveryMs ?? 5000);
  }
}

/**
 * Undoes the last step: a ramp is stopped (all new workflows to the current build again); otherwise the
 * build that was current most recently before this one becomes current again, if its workers still run.
 * Workflows pinned to the build rolled back from finish on it; it then drains like any old build.
 */
export async function rollback(t: RolloutTarget) {
  const { current, ramping, versions } = await routing(t);
  if (ramping) {
    await setRamping(t, '', 0);
    t.log(`ramp of ${ramping} stopped: new workflows start on ${current} again`);
    return current;
  }
  const running = await t.fleet.running();
  const previous = versions
    .filter((v) => v.buildId !== current && v.lastCurrentMs > 0 && running.includes(v.buildId))
    .sort((a, b) => b.lastCurrentMs - a.lastCurrentMs)[0];
  if (!previous) throw new Error(`no earlier build of ${t.deploymentName} has workers running: roll out the build to go back to instead`);
  await setCurrent(t, previous.buildId);
  t.log(`build ${previous.buildId} is current again (was ${current})`);
  return previous.buildId;
}

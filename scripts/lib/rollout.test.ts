import { temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { type DeploymentService, removeDrained, type WorkerFleet } from './rollout';

// What the rollout removes, with Temporal's answers scripted (the whole rollout against the dev server is
// test/rollout.test.ts): only drained or never-routed builds lose their workers, and nothing at all when
// the deployment has no current version (a wrong deployment name must not read as "nothing pinned").
const { WorkerDeploymentVersionStatus: Status } = temporal.api.enums.v1;
const ws = temporal.api.workflowservice.v1;
const notFound = () => Object.assign(new Error('not found'), { code: 5 });

function scripted(current: string | undefined, statuses: Record<string, number>): DeploymentService {
  return {
    describeWorkerDeployment: async () => {
      if (!current) throw notFound();
      return ws.DescribeWorkerDeploymentResponse.create({
        workerDeploymentInfo: { routingConfig: { currentDeploymentVersion: { deploymentName: 'q', buildId: current } } },
      });
    },
    describeWorkerDeploymentVersion: async (req) => {
      const status = statuses[req.deploymentVersion?.buildId ?? ''];
      if (status === undefined) throw notFound();
      return ws.DescribeWorkerDeploymentVersionResponse.create({ workerDeploymentVersionInfo: { status } });
    },
    setWorkerDeploymentCurrentVersion: async () => ws.SetWorkerDeploymentCurrentVersionResponse.create(),
    setWorkerDeploymentRampingVersion: async () => ws.SetWorkerDeploymentRampingVersionResponse.create(),
  };
}

function fleetOf(builds: string[]): WorkerFleet & { stopped: string[] } {
  const stopped: string[] = [];
  return {
    stopped,
    start: async () => {},
    running: async () => builds.filter((b) => !stopped.includes(b)),
    stop: async (b) => {
      stopped.push(b);
    },
  };
}

const target = (service: DeploymentService, fleet: WorkerFleet, log: string[]) => ({
  workflowService: service,
  namespace: 'default',
  deploymentName: 'q',
  fleet,
  log: (l: string) => log.push(l),
  drainWaitSeconds: 0,
  checkEveryMs: 1,
});

describe('removeDrained', () => {
  it('stops drained, inactive and unknown builds, keeps the current one and a draining one (named)', async () => {
    const fleet = fleetOf(['old-draining', 'old-drained', 'never-current', 'unknown', 'now']);
    const log: string[] = [];
    const service = scripted('now', {
      'old-draining': Status.WORKER_DEPLOYMENT_VERSION_STATUS_DRAINING,
      'old-drained': Status.WORKER_DEPLOYMENT_VERSION_STATUS_DRAINED,
      'never-current': Status.WORKER_DEPLOYMENT_VERSION_STATUS_INACTIVE,
      now: Status.WORKER_DEPLOYMENT_VERSION_STATUS_CURRENT,
    });
    expect(await removeDrained(target(service, fleet, log))).toEqual({
      removed: ['old-drained', 'never-current', 'unknown'],
      draining: ['old-draining'],
    });
    expect(fleet.stopped).toEqual(['old-drained', 'never-current', 'unknown']);
    expect(log.at(-1)).toMatch(/^build old-draining is not drained yet/);
  });

  it('removes nothing when the deployment has no current version', async () => {
    const fleet = fleetOf(['a', 'b']);
    const log: string[] = [];
    expect(await removeDrained(target(scripted(undefined, {}), fleet, log))).toEqual({ removed: [], draining: ['a', 'b'] });
    expect(fleet.stopped).toEqual([]);
    expect(log.at(-1)).toContain('no workers removed');
  });
});

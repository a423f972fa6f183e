// The orchestration and memory floors' workflow (issue 27): the scan's shape with nothing of ours in it.
// Its own bundle (the bench and scripts/bench/bare-worker.ts pass this file as workflowsPath); it imports
// only the SDK and the dependency graph, which is data.
import { condition, defineQuery, proxyActivities, setHandler } from '@temporalio/workflow';
import { AGENT_DEPENDENCIES, type Agent } from '../../worker/workflows/agent-dependencies';

/** True once the workflow has run its activities and waits, as a scan awaiting review does. */
export const parkedQuery = defineQuery<boolean>('parked');

const { noop } = proxyActivities<{ noop(step: string): Promise<void> }>({ startToCloseTimeout: '1 minute' });

/** Which activities one of our scans ran, read from its history: the steps before the agents, the agents, the steps after. */
export interface ScanShape {
  before: string[];
  agents: Agent[];
  after: string[];
  /** Stay open after the last activity, as a scan awaiting review does (the memory floor). */
  park: boolean;
}

/** Our scan's activity graph with no-op activities: the steps around the agents one by one, the agents by their dependencies. */
export async function bareScanWorkflow(shape: ScanShape): Promise<void> {
  let parked = false;
  setHandler(parkedQuery, () => parked);
  for (const step of shape.before) await noop(step);
  const running = new Map<Agent, Promise<void>>();
  const run = (agent: Agent): Promise<void> => {
    let p = running.get(agent);
    if (!p) {
      const deps = AGENT_DEPENDENCIES[agent].filter((d) => shape.agents.includes(d));
      p = Promise.all(deps.map(run)).then(() => noop(agent));
      running.set(agent, p);
    }
    return p;
  };
  await Promise.all(shape.agents.map(run));
  for (const step of shape.after) await noop(step);
  parked = true;
  if (shape.park) await condition(() => false);
}

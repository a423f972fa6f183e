// The scan's dependency graph as data, in one place: which agents' outputs each agent of
// dailyScanWorkflowV3 waits for. The workflow's fast tests check that it starts no agent before the ones
// listed here have finished; the bench computes the critical-path floor from it (the longest chain of
// measured agent latencies). Deterministic, so workflow code may import it.

import type { ScanActivities } from '../activities';

/**
 * The estimate needs only photos the deterministic checks passed, so it runs beside the model's
 * judgement (judgePhotoQuality, present when a model is configured); everything that publishes or stores
 * the estimate waits for both. Hydration needs only the weight.
 */
export const AGENT_DEPENDENCIES = {
  planHydration: [],
  checkPhotoQuality: [],
  judgePhotoQuality: ['checkPhotoQuality'],
  estimateBodyComposition: ['checkPhotoQuality'],
  computeDeltas: ['estimateBodyComposition', 'judgePhotoQuality'],
  planNutrition: ['estimateBodyComposition', 'judgePhotoQuality'],
  planWorkout: ['estimateBodyComposition', 'judgePhotoQuality'],
  generateInsights: ['computeDeltas'],
} as const satisfies Partial<Record<keyof ScanActivities, readonly (keyof ScanActivities)[]>>;

export type Agent = keyof typeof AGENT_DEPENDENCIES;
export const AGENTS = Object.keys(AGENT_DEPENDENCIES) as Agent[];

/**
 * The longest chain of latencies the graph forces: the least time any schedule of these agents can take.
 * An agent that did not run (no model, so no judgement) counts as zero.
 */
export function longestChain(latencies: Partial<Record<Agent, number>>): number {
  const finish = new Map<Agent, number>();
  const finishOf = (agent: Agent): number => {
    const known = finish.get(agent);
    if (known !== undefined) return known;
    const deps: readonly Agent[] = AGENT_DEPENDENCIES[agent];
    const at = Math.max(0, ...deps.map(finishOf)) + (latencies[agent] ?? 0);
    finish.set(agent, at);
    return at;
  };
  return Math.max(0, ...AGENTS.map(finishOf));
}

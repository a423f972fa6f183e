import { describe, expect, it } from 'vitest';
import { AGENT_DEPENDENCIES, AGENTS, longestChain } from './agent-dependencies';

describe('longestChain', () => {
  it('is the slowest chain of the graph, not the sum and not the slowest agent', () => {
    // The bench's modelled latencies (seconds): check 5 → max(judge 40, estimate 90) → deltas 5 → insights 60.
    const latencies = {
      planHydration: 30,
      checkPhotoQuality: 5,
      judgePhotoQuality: 40,
      estimateBodyComposition: 90,
      computeDeltas: 5,
      planNutrition: 60,
      planWorkout: 60,
      generateInsights: 60,
    };
    expect(longestChain(latencies)).toBe(5 + 90 + 5 + 60);
    // A slow judgement becomes the chain the estimate waits on.
    expect(longestChain({ ...latencies, judgePhotoQuality: 120 })).toBe(5 + 120 + 5 + 60);
    // Hydration needs nothing: slow enough, it alone is the floor.
    expect(longestChain({ ...latencies, planHydration: 500 })).toBe(500);
  });

  it('counts an agent that did not run as zero', () => {
    expect(longestChain({ checkPhotoQuality: 45, estimateBodyComposition: 90, planNutrition: 60 })).toBe(195);
    expect(longestChain({})).toBe(0);
  });

  it('names only agents of the graph as dependencies', () => {
    for (const deps of Object.values(AGENT_DEPENDENCIES)) for (const d of deps) expect(AGENTS).toContain(d);
  });
});

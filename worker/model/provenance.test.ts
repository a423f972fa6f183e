import { describe, expect, it } from 'vitest';
import { type ModelRun, ProvenanceSchema } from '../../common/contracts/scan-results';
import { agentProvenance } from './provenance';

const run: ModelRun = {
  provider: 'azure',
  deployment: 'gpt-4o-scan',
  model: 'gpt-4o-2024-08-06',
  promptVersion: 'estimate-v4',
  promptSha256: 'ab'.repeat(32),
  requests: 1,
  usage: { promptTokens: 10, completionTokens: 5, imageTokens: 0, totalTokens: 15 },
  outcome: 'accepted',
};

describe('agentProvenance', () => {
  it('names the model deployment and prompt version of a model-backed agent, and deterministic code otherwise', () => {
    const agents = agentProvenance({
      quality: { ok: true },
      estimate: { method: 'vision-fused', model: run },
      insights: {
        method: 'deterministic+model-wording',
        model: { ...run, deployment: 'gpt-4o-mini-words', promptVersion: 'narrative-v2' },
      },
      hydration: { method: 'deterministic' },
      review: { required: false },
    });
    expect(agents).toEqual({
      quality: { source: 'deterministic' },
      estimate: {
        source: 'model',
        provider: 'azure',
        deployment: 'gpt-4o-scan',
        promptVersion: 'estimate-v4',
        promptSha256: run.promptSha256,
      },
      insights: {
        source: 'model',
        provider: 'azure',
        deployment: 'gpt-4o-mini-words',
        promptVersion: 'narrative-v2',
        promptSha256: run.promptSha256,
      },
      hydration: { source: 'deterministic' },
    });
    // What persistResults stores parses as the contract (the review is no agent and is not named).
    expect(ProvenanceSchema.parse({ workflowType: 'dailyScanWorkflowV3', buildId: 'abc123', agents }).agents).not.toHaveProperty('review');
  });

  it('a model entry that is not a model run (no deployment) is not taken for one', () => {
    expect(agentProvenance({ estimate: { model: { provider: 'azure' } } })).toEqual({ estimate: { source: 'deterministic' } });
  });
});

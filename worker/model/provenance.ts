import {
  type AgentName,
  AgentNameSchema,
  type AgentProvenance,
  ModelRunSchema,
  type ModelUsageSummary,
  type TokenUsage,
} from '../../common/contracts/scan-results';

// What each model-backed result records about how it was made, and what it cost. Never content.

export const ZERO_USAGE: TokenUsage = { promptTokens: 0, completionTokens: 0, imageTokens: 0, totalTokens: 0 };

export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    promptTokens: a.promptTokens + b.promptTokens,
    completionTokens: a.completionTokens + b.completionTokens,
    imageTokens: a.imageTokens + b.imageTokens,
    totalTokens: a.totalTokens + b.totalTokens,
  };
}

/** Tokens per agent and in total, from the `model` entries of a scan's results; undefined when no model ran. */
export function summarizeModelUsage(results: Record<string, unknown>): ModelUsageSummary | undefined {
  const perAgent: Record<string, TokenUsage> = {};
  let total = ZERO_USAGE;
  for (const [agent, value] of Object.entries(results)) {
    const run = ModelRunSchema.safeParse((value as { model?: unknown } | null)?.model);
    if (!run.success) continue;
    perAgent[agent] = run.data.usage;
    total = addUsage(total, run.data.usage);
  }
  return Object.keys(perAgent).length ? { perAgent, total } : undefined;
}

/** Per agent present in a scan's results: its model deployment and prompt version, or deterministic code alone. */
export function agentProvenance(results: Record<string, unknown>): Partial<Record<AgentName, AgentProvenance>> {
  const agents: Partial<Record<AgentName, AgentProvenance>> = {};
  for (const agent of AgentNameSchema.options) {
    const value = results[agent];
    if (value === undefined) continue;
    const run = ModelRunSchema.safeParse((value as { model?: unknown } | null)?.model);
    agents[agent] = run.success
      ? {
          source: 'model',
          provider: run.data.provider,
          deployment: run.data.deployment,
          promptVersion: run.data.promptVersion,
          promptSha256: run.data.promptSha256,
        }
      : { source: 'deterministic' };
  }
  return agents;
}

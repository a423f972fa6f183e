import { z } from 'zod';
import { AngleSchema } from '../../common/contracts/scan';

// What each model-backed result records about how it was made, and what it cost. Never content.

export const TokenUsageSchema = z.object({
  promptTokens: z.number().int().nonnegative(),
  completionTokens: z.number().int().nonnegative(),
  /** Image tokens within promptTokens, per the provider's published rule for the images as sent. */
  imageTokens: z.number().int().nonnegative(),
  totalTokens: z.number().int().nonnegative(),
});
export type TokenUsage = z.infer<typeof TokenUsageSchema>;
export const ZERO_USAGE: TokenUsage = { promptTokens: 0, completionTokens: 0, imageTokens: 0, totalTokens: 0 };

export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    promptTokens: a.promptTokens + b.promptTokens,
    completionTokens: a.completionTokens + b.completionTokens,
    imageTokens: a.imageTokens + b.imageTokens,
    totalTokens: a.totalTokens + b.totalTokens,
  };
}

export const ImageProvenanceSchema = z.object({
  detail: z.enum(['low', 'high']),
  maxEdge: z.number().int().positive(),
  format: z.literal('jpeg'),
  sizes: z.array(z.object({ angle: AngleSchema, width: z.number().int(), height: z.number().int(), bytes: z.number().int() })),
});

export const ModelRunSchema = z.object({
  provider: z.enum(['azure', 'openai']),
  deployment: z.string(),
  /** The model name the API reported (Azure reports the underlying model, e.g. gpt-4o-2024-08-06). */
  model: z.string(),
  promptVersion: z.string(),
  promptSha256: z.string(),
  /** Requests made in this activity attempt (a refused, truncated or invalid answer is asked again). */
  requests: z.number().int().nonnegative(),
  usage: TokenUsageSchema,
  images: ImageProvenanceSchema.optional(),
  /** accepted: the model's answer is used; fallback: the deterministic result stands (reason says why). */
  outcome: z.enum(['accepted', 'fallback']),
  fallbackReason: z.string().optional(),
});
export type ModelRun = z.infer<typeof ModelRunSchema>;

export const ModelUsageSummarySchema = z.object({
  perAgent: z.record(z.string(), TokenUsageSchema),
  total: TokenUsageSchema,
});
export type ModelUsageSummary = z.infer<typeof ModelUsageSummarySchema>;

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

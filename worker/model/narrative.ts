import { Context } from '@temporalio/activity';
import { z } from 'zod';
import type { ModelRun, Narrative } from '../../common/contracts/scan-results';
import { isTransientModelFailure } from './errors';
import { checkGrounded } from './grounding';
import { narrativePrompt } from './prompts';
import type { ModelRuntime } from './runtime';
import { completeStructured, ModelOutputError } from './structured';

// insights, nutrition, workout: the model words the computed facts and nothing else. Every number it
// writes must be among the facts (grounding.ts); an ungrounded answer is asked again, and after the
// bounded tries the deterministic wording is used. Wording is never worth failing a scan for: a
// transient fault is retried by Temporal for a few attempts, then the deterministic wording stands too.

export type NarrativeAgent = 'insights' | 'nutrition' | 'workout';
/** Activity attempts that may end in a transient model fault before the deterministic wording is used. */
export const NARRATIVE_MODEL_ATTEMPTS = 3;

export const NarrativeAnswerSchema = z.object({
  summary: z.string().min(1).max(600),
  points: z.array(z.string().min(1).max(300)).max(4),
});

function attempt(): number {
  try {
    return Context.current().info.attempt;
  } catch {
    return 1;
  }
}

export async function writeNarrative(
  rt: ModelRuntime,
  agent: NarrativeAgent,
  facts: Record<string, unknown>,
  deterministic: { summary: string; points: string[] },
  scanId?: string,
): Promise<{ narrative: Narrative; model: ModelRun }> {
  const prompt = narrativePrompt(agent);
  const fallback = (model: ModelRun) => ({ narrative: { ...deterministic, source: 'deterministic' as const }, model });
  try {
    const { value, run } = await completeStructured(rt, {
      agent,
      kind: 'narrative',
      scanId,
      schemaName: `${agent}_narrative`,
      schema: NarrativeAnswerSchema,
      prompt,
      text: `FACTS:\n${JSON.stringify(facts)}`,
      check: (v) => (checkGrounded([v.summary, ...v.points], facts).ok ? undefined : 'ungrounded_number'),
    });
    return { narrative: { ...value, source: 'model' }, model: run };
  } catch (err) {
    if (err instanceof ModelOutputError) return fallback(err.run);
    if (isTransientModelFailure(err) && attempt() < NARRATIVE_MODEL_ATTEMPTS) throw err;
    const type = (err as { type?: string }).type;
    if (!type?.startsWith('Model')) throw err; // cancellation or a bug: not ours to swallow
    return fallback({
      provider: rt.settings.provider,
      deployment: rt.settings.deployments.narrative,
      model: rt.settings.deployments.narrative,
      promptVersion: prompt.id,
      promptSha256: prompt.sha256,
      requests: 0,
      usage: { promptTokens: 0, completionTokens: 0, imageTokens: 0, totalTokens: 0 },
      outcome: 'fallback',
      fallbackReason: type,
    });
  }
}

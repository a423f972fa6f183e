import { Context, heartbeat } from '@temporalio/activity';
import type { ChatCompletionContentPart, ChatCompletionCreateParamsNonStreaming } from 'openai/resources/chat/completions';
import { z } from 'zod';
import type { ModelRun, TokenUsage } from '../../common/contracts/scan-results';
import { modelFailure } from './errors';
import { imageProvenance, type PreparedImage } from './images';
import type { Prompt } from './prompts';
import { addUsage, ZERO_USAGE } from './provenance';
import type { ModelRuntime } from './runtime';
import type { ModelAgent } from './settings';

// One structured model answer: requested with a strict JSON schema generated from the agent's zod schema,
// parsed and validated on return. A refusal, a truncated answer, malformed JSON, a schema violation or a
// failed semantic check is asked again, up to MAX_OUTPUT_ATTEMPTS requests; then ModelOutputError.
// Transport faults (429, 5xx, timeouts, 4xx) are not retried here: they become activity failures and
// Temporal decides (see errors.ts).

export const MAX_OUTPUT_ATTEMPTS = 3;
export const MAX_COMPLETION_TOKENS = 800;
// Every heartbeat that reaches the server is a billable action. A model call shorter than half the
// activity's heartbeat timeout sends none; a longer one beats every half timeout (the SDK also throttles
// to 80 % of it), which is as often as the timeout needs and no more.
const FALLBACK_HEARTBEAT_MS = 15_000;
function heartbeatIntervalMs(): number {
  try {
    const timeout = Context.current().info.heartbeatTimeoutMs;
    return timeout ? timeout / 2 : FALLBACK_HEARTBEAT_MS;
  } catch {
    return FALLBACK_HEARTBEAT_MS; // not in an activity
  }
}

export type OutputProblem = 'refusal' | 'truncated' | 'content_filter' | 'malformed_json' | 'schema_violation' | 'empty' | string;

export class ModelOutputError extends Error {
  override readonly name = 'ModelOutputError';
  constructor(
    readonly problems: OutputProblem[],
    readonly run: ModelRun,
  ) {
    super(`model output unusable after ${problems.length} tries: ${problems.join(', ')}`);
  }
}

/** The zod schema as an OpenAI strict JSON schema (no $schema key; objects closed, every field required). */
export function strictJsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io: 'output' }) as Record<string, unknown>;
  return json;
}

export interface StructuredRequest<S extends z.ZodType> {
  agent: string;
  kind: ModelAgent;
  scanId?: string | undefined;
  /** The json_schema name; the test server and logs identify the agent by it. */
  schemaName: string;
  schema: S;
  prompt: Prompt;
  text: string;
  images?: PreparedImage[];
  /** A check beyond the schema; returns a problem to ask again, or undefined when the answer is usable. */
  check?: (value: z.infer<S>) => OutputProblem | undefined;
}

function activitySignal(): AbortSignal | undefined {
  try {
    return Context.current().cancellationSignal;
  } catch {
    return undefined;
  }
}

/** Heartbeats while a long request is in flight (a no-op outside an activity). */
async function keepAlive<T>(p: Promise<T>): Promise<T> {
  const beat = () => {
    try {
      heartbeat();
    } catch {
      /* not in an activity */
    }
  };
  const timer = setInterval(beat, heartbeatIntervalMs());
  try {
    return await p;
  } finally {
    clearInterval(timer);
  }
}

export async function completeStructured<S extends z.ZodType>(
  rt: ModelRuntime,
  req: StructuredRequest<S>,
): Promise<{ value: z.infer<S>; run: ModelRun }> {
  const deployment = rt.settings.deployments[req.kind];
  const images = req.images ?? [];
  const content: ChatCompletionContentPart[] = [
    { type: 'text', text: req.text },
    ...images.flatMap((img): ChatCompletionContentPart[] => [
      { type: 'text', text: `Photo: ${img.angle}` },
      { type: 'image_url', image_url: { url: img.dataUrl, detail: img.detail } },
    ]),
  ];
  const body: ChatCompletionCreateParamsNonStreaming = {
    model: deployment,
    messages: [
      { role: 'system', content: req.prompt.text },
      { role: 'user', content },
    ],
    response_format: { type: 'json_schema', json_schema: { name: req.schemaName, strict: true, schema: strictJsonSchema(req.schema) } },
    max_completion_tokens: MAX_COMPLETION_TOKENS,
  };
  const imageTokensPerRequest = images.reduce((s, i) => s + i.tokens, 0);
  const signal = activitySignal();
  let usage: TokenUsage = ZERO_USAGE;
  let model = deployment;
  const problems: OutputProblem[] = [];
  const run = (outcome: ModelRun['outcome'], fallbackReason?: string): ModelRun => ({
    provider: rt.settings.provider,
    deployment,
    model,
    promptVersion: req.prompt.id,
    promptSha256: req.prompt.sha256,
    requests: problems.length + (outcome === 'accepted' ? 1 : 0),
    usage,
    ...(images.length ? { images: imageProvenance(images) } : {}),
    outcome,
    ...(fallbackReason ? { fallbackReason } : {}),
  });
  const report = (r: ModelRun) =>
    rt.telemetry({
      agent: req.agent,
      scanId: req.scanId,
      deployment,
      model: r.model,
      promptVersion: r.promptVersion,
      requests: r.requests,
      promptTokens: r.usage.promptTokens,
      completionTokens: r.usage.completionTokens,
      imageTokens: r.usage.imageTokens,
      outcome: r.outcome,
    });

  while (problems.length < MAX_OUTPUT_ATTEMPTS) {
    let res;
    try {
      res = await keepAlive(rt.limiter.use(() => rt.client.chat.completions.create(body, signal ? { signal } : {}), signal));
    } catch (err) {
      if (problems.length) report(run('fallback', `transport after ${problems.join(',')}`));
      throw modelFailure(err, req.agent);
    }
    model = res.model || deployment;
    const u = res.usage;
    usage = addUsage(usage, {
      promptTokens: u?.prompt_tokens ?? 0,
      completionTokens: u?.completion_tokens ?? 0,
      imageTokens: imageTokensPerRequest,
      totalTokens: u?.total_tokens ?? (u?.prompt_tokens ?? 0) + (u?.completion_tokens ?? 0),
    });
    const choice = res.choices?.[0];
    const problem = ((): OutputProblem | { value: z.infer<S> } => {
      if (!choice) return 'empty';
      if (choice.message?.refusal) return 'refusal';
      if (choice.finish_reason === 'length') return 'truncated';
      if (choice.finish_reason === 'content_filter') return 'content_filter';
      if (!choice.message?.content) return 'empty';
      let json: unknown;
      try {
        json = JSON.parse(choice.message.content);
      } catch {
        return 'malformed_json';
      }
      const parsed = req.schema.safeParse(json);
      if (!parsed.success) return 'schema_violation';
      const semantic = req.check?.(parsed.data as z.infer<S>);
      return semantic ?? { value: parsed.data as z.infer<S> };
    })();
    if (typeof problem !== 'string') {
      const r = run('accepted');
      report(r);
      return { value: problem.value, run: r };
    }
    problems.push(problem);
  }
  const r = run('fallback', problems.join(','));
  report(r);
  throw new ModelOutputError(problems, r);
}

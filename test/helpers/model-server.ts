import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { numbersInFacts } from '../../worker/model/grounding';
import { imageTokens } from '../../worker/model/image-tokens';

// A local OpenAI-compatible chat-completions server for the model-path tests. It accepts the OpenAI path
// (/chat/completions, /v1/chat/completions) and the Azure path (/openai/deployments/{d}/chat/completions
// ?api-version=…), requires a json_schema response format, answers per agent (identified by the schema
// name) and can be scripted per test with faults. Every request is recorded, including the ones it failed.

export type Behaviour =
  | { kind: 'ok' }
  | { kind: 'answer'; content: unknown }
  | { kind: 'status'; status: number; retryAfter?: string }
  | { kind: 'slow'; ms: number }
  | { kind: 'malformed' }
  | { kind: 'refusal' }
  | { kind: 'truncated' }
  | { kind: 'schema' }
  | { kind: 'invented' };

export interface RecordedRequest {
  path: string;
  deployment?: string | undefined;
  apiVersion?: string | null;
  apiKey?: string | undefined;
  authorization?: string | undefined;
  schemaName?: string | undefined;
  body: ChatBody;
  behaviour: Behaviour['kind'];
  at: number;
}

interface ContentPart {
  type: string;
  text?: string;
  image_url?: { url: string; detail?: string };
}
export interface ChatBody {
  model: string;
  messages: Array<{ role: string; content: string | ContentPart[] }>;
  response_format?: { type: string; json_schema?: { name: string; strict?: boolean; schema: Record<string, unknown> } };
  max_completion_tokens?: number;
}

export interface ModelServerOptions {
  /** Body fat the default estimation answer reports. */
  bodyFatPercent?: number;
  confidence?: number;
}

const SERVED_MODEL = 'gpt-4o-2024-08-06';

/** Images in a request, as sent: data URL bytes and the detail asked for. */
export function imagesIn(body: ChatBody): Array<{ bytes: Buffer; mime: string; detail?: string | undefined }> {
  return body.messages.flatMap((m) =>
    typeof m.content === 'string'
      ? []
      : m.content
          .filter((p) => p.type === 'image_url')
          .map((p) => {
            const [, mime, b64] = /^data:([^;]+);base64,(.*)$/.exec(p.image_url!.url) ?? [];
            return { bytes: Buffer.from(b64 ?? '', 'base64'), mime: mime ?? '', detail: p.image_url!.detail };
          }),
  );
}

function userText(body: ChatBody): string {
  return body.messages
    .filter((m) => m.role === 'user')
    .flatMap((m) => (typeof m.content === 'string' ? [m.content] : m.content.filter((p) => p.type === 'text').map((p) => p.text ?? '')))
    .join('\n');
}

/** The 'invented' behaviour's answer: numbers that appear in no fact the narrative was given. */
export const INVENTED_NARRATIVE = {
  summary: 'You will reach your goal in 987 days if you keep going.',
  points: ['Eat 4321 kcal a day.'],
} as const;

export class ModelServer {
  readonly requests: RecordedRequest[] = [];
  private readonly scripts = new Map<string, Behaviour[]>();
  private readonly defaults = new Map<string, Behaviour>();
  private server?: Server;
  private inFlight = 0;
  maxInFlight = 0;
  url = '';

  constructor(private readonly opts: ModelServerOptions = {}) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** The next requests for this schema get these behaviours, in order; then the default again. */
  script(schemaName: string, ...behaviours: Behaviour[]): this {
    this.scripts.set(schemaName, [...(this.scripts.get(schemaName) ?? []), ...behaviours]);
    return this;
  }

  /** Every request for this schema gets this behaviour until reset. */
  always(schemaName: string, behaviour: Behaviour): this {
    this.defaults.set(schemaName, behaviour);
    return this;
  }

  reset(): void {
    this.scripts.clear();
    this.defaults.clear();
    this.requests.length = 0;
    this.maxInFlight = 0;
  }

  requestsFor(schemaName: string): RecordedRequest[] {
    return this.requests.filter((r) => r.schemaName === schemaName);
  }

  private async handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://x');
    const azure = /^\/openai\/deployments\/([^/]+)\/chat\/completions$/.exec(url.pathname);
    if (req.method !== 'POST' || !(azure || url.pathname === '/chat/completions' || url.pathname === '/v1/chat/completions')) {
      return this.json(res, 404, { error: { message: 'not found', type: 'invalid_request_error' } });
    }
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    let body: ChatBody;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ChatBody;
    } catch {
      return this.json(res, 400, { error: { message: 'invalid JSON body', type: 'invalid_request_error' } });
    }
    const schemaName = body.response_format?.json_schema?.name;
    const behaviour = (schemaName && this.scripts.get(schemaName)?.shift()) ||
      (schemaName && this.defaults.get(schemaName)) || { kind: 'ok' as const };
    this.requests.push({
      path: url.pathname,
      deployment: azure?.[1],
      apiVersion: url.searchParams.get('api-version'),
      apiKey: req.headers['api-key'] as string | undefined,
      authorization: req.headers.authorization,
      schemaName,
      body,
      behaviour: behaviour.kind,
      at: Date.now(),
    });
    if (azure && !url.searchParams.get('api-version')) return this.json(res, 400, { error: { message: 'api-version required' } });
    if (body.response_format?.type !== 'json_schema' || !schemaName) {
      return this.json(res, 400, {
        error: { message: 'this server answers only json_schema response formats', type: 'invalid_request_error' },
      });
    }

    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await this.respond(res, body, schemaName, behaviour);
    } finally {
      this.inFlight--;
    }
  }

  private async respond(res: ServerResponse, body: ChatBody, schemaName: string, b: Behaviour) {
    switch (b.kind) {
      case 'status':
        return this.json(
          res,
          b.status,
          { error: { message: `scripted ${b.status}`, type: b.status === 429 ? 'rate_limit_exceeded' : 'server_error' } },
          b.retryAfter ? { 'retry-after': b.retryAfter } : {},
        );
      case 'slow':
        await new Promise((r) => setTimeout(r, b.ms));
        if (res.destroyed || res.socket?.destroyed) return;
        return this.completion(res, body, JSON.stringify(this.answer(schemaName, body)));
      case 'malformed':
        return this.completion(res, body, '{"this is": not json');
      case 'refusal':
        return this.completion(res, body, null, 'stop', "I'm sorry, I can't help with that.");
      case 'truncated':
        return this.completion(res, body, '{"bodyFatPercent": 2', 'length');
      case 'schema':
        return this.completion(res, body, JSON.stringify({ unexpected: true, bodyFatPercent: 'lots' }));
      case 'invented':
        return this.completion(res, body, JSON.stringify(INVENTED_NARRATIVE));
      case 'answer':
        return this.completion(res, body, typeof b.content === 'string' ? b.content : JSON.stringify(b.content));
      case 'ok':
        return this.completion(res, body, JSON.stringify(this.answer(schemaName, body)));
    }
  }

  /** A valid answer for each agent's schema; narratives use only a number from the facts they were given. */
  private answer(schemaName: string, body: ChatBody): unknown {
    if (schemaName === 'photo_quality_judgement') {
      return {
        photos: ['front', 'back', 'left', 'right'].map((angle) => ({ angle, pose: 'ok', framing: 'ok', clothing: 'ok', lighting: 'ok' })),
      };
    }
    if (schemaName === 'body_fat_estimate')
      return { bodyFatPercent: this.opts.bodyFatPercent ?? 20, confidence: this.opts.confidence ?? 0.7 };
    if (schemaName.endsWith('_narrative')) {
      const facts = JSON.parse(userText(body).replace(/^[\s\S]*?FACTS:\n/, '')) as unknown;
      const n = [...numbersInFacts(facts)][0];
      return {
        summary: n === undefined ? 'Your plan is ready.' : `Your ${schemaName.replace('_narrative', '')} plan is built around ${n}.`,
        points: ['Keep it steady and consistent.'],
      };
    }
    return {};
  }

  private completion(res: ServerResponse, body: ChatBody, content: string | null, finish = 'stop', refusal: string | null = null) {
    const images = imagesIn(body);
    const text = JSON.stringify(body.messages).length - images.reduce((s, i) => s + i.bytes.length * (4 / 3), 0);
    const promptTokens =
      Math.ceil(Math.max(0, text) / 4) + images.reduce((s, i) => s + imageTokens(512, 512, i.detail === 'high' ? 'high' : 'low'), 0);
    const completionTokens = Math.ceil((content ?? refusal ?? '').length / 4);
    return this.json(res, 200, {
      id: `chatcmpl-${this.requests.length}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: SERVED_MODEL,
      choices: [{ index: 0, message: { role: 'assistant', content, refusal }, finish_reason: finish, logprobs: null }],
      usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
    });
  }

  private json(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}) {
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(payload));
  }
}

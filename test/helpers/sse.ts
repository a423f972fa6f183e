import http from 'node:http';
import type { LocalHost } from '../../functions/local-host';
import { contractViolations, eventViolations } from './openapi-contract';

// A Server-Sent Events client for the tests: reads the stream as it arrives (EventSource's parsing rules,
// https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation), keeps
// comments and `retry` apart from events, and checks every event against the OpenAPI document.

export type SseMessage =
  | { kind: 'event'; event: string; id: string | undefined; data: any }
  | { kind: 'comment'; text: string }
  | { kind: 'retry'; ms: number };
export type SseEvent = Extract<SseMessage, { kind: 'event' }>;

export interface EventStream {
  status: number;
  headers: Headers;
  /** Everything received so far, in order. */
  messages: SseMessage[];
  /** The next message; undefined once the server has closed the stream. */
  next(): Promise<SseMessage | undefined>;
  /** The next event (comments and `retry` skipped); undefined once the server has closed the stream. */
  nextEvent(): Promise<SseEvent | undefined>;
  /** Everything up to the server's close. */
  rest(): Promise<SseMessage[]>;
  /** The client goes away. */
  close(): void;
}

/** Parses complete messages (ending in a blank line) off the front of `buffer`; returns what is left. */
export function parseSse(buffer: string, out: SseMessage[]): string {
  for (;;) {
    const end = buffer.search(/\r\n\r\n|\n\n|\r\r/);
    if (end === -1) return buffer;
    const block = buffer.slice(0, end);
    buffer = buffer.slice(end + (buffer.startsWith('\r\n\r\n', end) ? 4 : 2));
    let event = 'message';
    let id: string | undefined;
    const data: string[] = [];
    let sawData = false;
    for (const line of block.split(/\r\n|\n|\r/)) {
      if (line.startsWith(':')) {
        out.push({ kind: 'comment', text: line.slice(1).trim() });
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'event') event = value;
      else if (field === 'id') id = value;
      else if (field === 'data') {
        data.push(value);
        sawData = true;
      } else if (field === 'retry' && /^\d+$/.test(value)) out.push({ kind: 'retry', ms: Number(value) });
    }
    if (sawData) out.push({ kind: 'event', event, id, data: JSON.parse(data.join('\n')) });
  }
}

/**
 * Opens `path` on the host as an event stream. A 200 answer must be the documented event stream, and each
 * event's data the documented shape (a violation rejects `next`); other answers are read whole and checked
 * like `api` does, then reported with status and body.
 */
export function openEventStream(
  host: LocalHost,
  path: string,
  opts: { token?: string; lastEventId?: string } = {},
): Promise<EventStream & { text?: string }> {
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.lastEventId !== undefined) headers['last-event-id'] = opts.lastEventId;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: host.port, method: 'GET', path, headers, agent: false }, (res) => {
      const h = new Headers();
      for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
      const status = res.statusCode ?? 0;
      const contentType = h.get('content-type');
      if (status !== 200) {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          const violations = contractViolations('GET', path, { status, contentType, json, text });
          if (violations.length) return reject(new Error(`the answer breaks the OpenAPI document:\n${violations.join('\n')}`));
          resolve({ ...closedStream(status, h), text });
        });
        return;
      }
      const violations = contractViolations('GET', path, { status, contentType, json: undefined, text: '' });
      if (violations.length) return reject(new Error(`the answer breaks the OpenAPI document:\n${violations.join('\n')}`));

      const messages: SseMessage[] = [];
      let read = 0;
      let buffer = '';
      let ended = false;
      let failure: Error | undefined;
      let wake: (() => void) | undefined;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const before = messages.length;
        try {
          buffer = parseSse(buffer + chunk, messages);
        } catch (err) {
          failure = err as Error;
        }
        for (const m of messages.slice(before)) {
          if (m.kind !== 'event') continue;
          const wrong = eventViolations('GET', path, status, m.event, m.data);
          if (wrong.length) failure ??= new Error(`an event breaks the OpenAPI document:\n${wrong.join('\n')}`);
        }
        wake?.();
      });
      const finish = () => {
        ended = true;
        wake?.();
      };
      res.on('end', finish);
      res.on('close', finish);
      res.on('error', finish);

      const next = async (): Promise<SseMessage | undefined> => {
        for (;;) {
          if (failure) throw failure;
          if (read < messages.length) return messages[read++];
          if (ended) return undefined;
          await new Promise<void>((r) => {
            wake = r;
          });
        }
      };
      resolve({
        status,
        headers: h,
        messages,
        next,
        async nextEvent() {
          for (;;) {
            const m = await next();
            if (!m || m.kind === 'event') return m;
          }
        },
        async rest() {
          const out: SseMessage[] = [];
          for (let m = await next(); m; m = await next()) out.push(m);
          return out;
        },
        close() {
          req.destroy();
        },
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function closedStream(status: number, headers: Headers): EventStream {
  return {
    status,
    headers,
    messages: [],
    next: async () => undefined,
    nextEvent: async () => undefined,
    rest: async () => [],
    close: () => undefined,
  };
}

import type { ReadableStream } from 'node:stream/web';
import type { HttpMethod, HttpRequest, InvocationContext } from '@azure/functions';
import type { z } from 'zod';
import type { StartupConfig } from '../../common/config';
import type { Deps } from '../deps';

// One definition per function. The table of these feeds the Azure registration (functions/index.ts),
// the local host (functions/local-host.ts) and the OpenAPI document; nothing else knows a route.

/**
 * Who may call: `anonymous` (no token), `member` (a member's own account; staff tokens refused), `owner`
 * (a member, or staff acting as a reviewer; the handler answers 404 unless the scan is theirs or a reviewer
 * has a need), `reviewer` (staff with the reviewer role), `operator` (staff who run the system, e.g. read
 * payloads in Temporal's Web UI: the operator role). Staff means a token of the staff tenant signed in
 * with a second factor, recently (functions/framework/auth.ts).
 */
export type AuthRequirement = 'anonymous' | 'member' | 'owner' | 'reviewer' | 'operator';

export interface Principal {
  uid: string;
  roles: string[];
  isReviewer: boolean;
  /** Signed in to the staff tenant: never the owner of a member's data, whatever the uid. */
  staff: boolean;
}

export interface ApiResponse {
  status: number;
  body?: unknown;
  /** Bytes sent as they are (static files), with their Content-Type in `headers`; instead of a JSON `body`. */
  rawBody?: Uint8Array;
  /**
   * A body written as it is produced (Server-Sent Events), with its Content-Type in `headers`. Azure streams
   * it (app.setup enableHttpStream in functions/index.ts); the local host pipes it. Cancelled when the
   * client goes away.
   */
  stream?: ReadableStream<Uint8Array>;
  headers?: Record<string, string>;
}

export interface ResponseDoc {
  description: string;
  schema?: z.ZodType;
  /** Problem codes this status carries (documentation). */
  codes?: string[];
  headers?: Record<string, string>;
  /** A body that is not JSON (an HTML page, a PDF, a photo): its media type(s), shown as a string body in the document. */
  contentType?: string | readonly string[];
  /** A `text/event-stream` body: each event name and the schema of its `data` (JSON). */
  events?: Record<string, z.ZodType>;
}

type Parsed<S> = S extends z.ZodType ? z.output<S> : undefined;

export interface HandlerInput<P, Q, B> {
  params: Parsed<P>;
  query: Parsed<Q>;
  body: Parsed<B>;
  /** Present on every route but anonymous ones. */
  principal: Principal;
  request: HttpRequest;
  context: InvocationContext;
  deps: Deps;
  /** Absolute URL of a path on this API (`/api/...`), for Location and status links. */
  urlFor(path: string): string;
}

export interface HttpFunctionDefinition<
  P extends z.ZodType | undefined = z.ZodType | undefined,
  Q extends z.ZodType | undefined = z.ZodType | undefined,
  B extends z.ZodType | undefined = z.ZodType | undefined,
> {
  kind: 'http';
  /** Function name in Azure (letters, digits, hyphen, underscore). */
  name: string;
  /**
   * Route template, Azure syntax: `scans/{scanId}`; a last segment `{*name}` takes the rest of the path.
   * Below `/api/` unless `mount` is `root` (the reviewer's console under `/review/`).
   */
  route: string;
  /** Where the route hangs: below `/api/` (default, and the OpenAPI document) or at the site root. */
  mount?: 'api' | 'root';
  methods: HttpMethod[];
  auth: AuthRequirement;
  /** The caller must have signed in (the token's `auth_time`) at most this long ago: 401 reauthentication_required. */
  maxSignInAgeSeconds?: number;
  summary: string;
  tags: string[];
  params?: P;
  query?: Q;
  body?: B;
  /** Largest accepted request body (default 16 KiB). */
  maxBodyBytes?: number;
  /** Headers the endpoint reads (documentation). */
  requestHeaders?: Record<string, { description: string; schema: z.ZodType }>;
  responses: Record<number, ResponseDoc>;
  /** Headers added to every answer, problems included (CORS for a browser caller). */
  responseHeaders?(request: HttpRequest, deps: Deps): Record<string, string>;
  /** The answer while the app waits for its Key Vault secrets (default: the 503 `secrets_pending` problem). */
  whileStarting?(): ApiResponse;
  /** Derived helper functions (405 answers) that stay out of the OpenAPI document. */
  internal?: boolean;
  handler(input: HandlerInput<P, Q, B>): Promise<ApiResponse>;
}

/** The route as the Functions host registers it (host.json's routePrefix is empty): `api/...` or root. */
export const hostRoute = (def: Pick<AnyHttpFunction, 'route' | 'mount'>): string => (def.mount === 'root' ? def.route : `api/${def.route}`);

export type AnyHttpFunction = HttpFunctionDefinition<z.ZodType | undefined, z.ZodType | undefined, z.ZodType | undefined>;

export interface BlobEvent {
  /** Blob name inside the container (the `{name}` of the trigger path). */
  name: string;
  container: string;
}

export interface BlobFunctionDefinition {
  kind: 'blob';
  name: string;
  /** App setting holding the storage connection (Azure Functions connection-name convention). */
  connection: 'ScanStorage';
  source: 'EventGrid';
  /** Container watched, from config. */
  container(config: StartupConfig): string;
  handler(event: BlobEvent, context: InvocationContext, deps: Deps): Promise<void>;
}

export interface TimerFunctionDefinition {
  kind: 'timer';
  name: string;
  /** Six-field NCRONTAB (seconds first), in UTC. */
  schedule: string;
  handler(context: InvocationContext, deps: Deps, now: Date): Promise<void>;
}

export type FunctionDefinition = AnyHttpFunction | BlobFunctionDefinition | TimerFunctionDefinition;

/** Keeps the handler's input typed from the schemas, then erases the generics for the table. */
export function defineHttp<
  P extends z.ZodType | undefined = undefined,
  Q extends z.ZodType | undefined = undefined,
  B extends z.ZodType | undefined = undefined,
>(def: HttpFunctionDefinition<P, Q, B>): AnyHttpFunction {
  return def as unknown as AnyHttpFunction;
}

export function defineTimer(def: Omit<TimerFunctionDefinition, 'kind'>): TimerFunctionDefinition {
  return { kind: 'timer', ...def };
}

export function defineBlob(def: Omit<BlobFunctionDefinition, 'kind'>): BlobFunctionDefinition {
  return { kind: 'blob', ...def };
}

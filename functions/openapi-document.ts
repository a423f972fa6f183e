import { z } from 'zod';
import { ProblemSchema } from '../common/contracts/api';
import { pipelineResponses } from './framework/pipeline';
import { PROBLEM_CONTENT_TYPE } from './framework/problem';
import { parseRouteTemplate } from './framework/routes';
import type { AnyHttpFunction, FunctionDefinition, ResponseDoc } from './framework/types';

// OpenAPI 3.1 from the function table and its zod schemas (zod 4's z.toJSONSchema, JSON Schema 2020-12).

type JsonSchema = Record<string, unknown>;

const COMPONENT_REF = '#/components/schemas/';

/**
 * Schemas with a zod `id` come out of z.toJSONSchema as `$defs` beside a `#/$defs/...` reference, which
 * would resolve against the document root; they move to components.schemas and are referenced there.
 */
function hoistDefs(node: unknown, components: Record<string, JsonSchema>): unknown {
  if (Array.isArray(node)) return node.map((n) => hoistDefs(n, components));
  if (!node || typeof node !== 'object') return node;
  const out: JsonSchema = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === '$defs') {
      for (const [id, def] of Object.entries(v as Record<string, unknown>)) components[id] = hoistDefs(def, components) as JsonSchema;
    } else if (k === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/')) {
      out[k] = COMPONENT_REF + v.slice('#/$defs/'.length);
    } else out[k] = hoistDefs(v, components);
  }
  return out;
}

/** JSON Schemas of one document: each zod schema converted, its named parts collected in `components`. */
class DocumentSchemas {
  readonly components: Record<string, JsonSchema> = {};

  of(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
    const out = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
    delete out.$schema;
    return hoistDefs(out, this.components) as JsonSchema;
  }
}

/** The definition's own answers plus those the pipeline gives for it (auth, body limits, validation, 500). */
function allResponses(def: AnyHttpFunction): Record<string, ResponseDoc> {
  const merged: Record<string, ResponseDoc> = { ...pipelineResponses(def) };
  for (const [status, own] of Object.entries(def.responses)) {
    const framework = merged[status];
    merged[status] = framework && !own.schema ? { ...own, codes: [...new Set([...(own.codes ?? []), ...(framework.codes ?? [])])] } : own;
  }
  return merged;
}

function objectProperties(schemas: DocumentSchemas, schema: z.ZodType | undefined): Array<[string, JsonSchema, boolean]> {
  if (!schema) return [];
  const js = schemas.of(schema, 'input');
  const props = (js.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((js.required ?? []) as string[]);
  return Object.entries(props).map(([name, s]) => [name, s, required.has(name)]);
}

export const EVENT_STREAM = 'text/event-stream';
/** Where the document names each event's data schema (OpenAPI 3.1 has no keyword for a stream's items). */
export const EVENTS_EXTENSION = 'x-sse-events';

/**
 * A Server-Sent Events body: a string to OpenAPI 3.1, with the data schema of each event name beside it
 * in an extension (the event schemas themselves are ordinary components).
 */
function eventStreamMedia(events: Record<string, z.ZodType>, schemas: DocumentSchemas) {
  return {
    schema: {
      type: 'string',
      description:
        'Server-Sent Events: each event has `id`, `event` (its name) and one `data` line of JSON, whose schema per event name is in ' +
        `\`${EVENTS_EXTENSION}\`; lines starting with \`:\` are heartbeats`,
    },
    [EVENTS_EXTENSION]: Object.fromEntries(Object.entries(events).map(([name, schema]) => [name, schemas.of(schema, 'output')])),
  };
}

function operation(def: AnyHttpFunction, schemas: DocumentSchemas) {
  const parameters = [
    ...objectProperties(schemas, def.params).map(([name, schema]) => ({ name, in: 'path', required: true, schema })),
    ...objectProperties(schemas, def.query).map(([name, schema, required]) => ({ name, in: 'query', required, schema })),
    ...Object.entries(def.requestHeaders ?? {}).map(([name, h]) => ({
      name,
      in: 'header',
      required: false,
      description: h.description,
      schema: schemas.of(h.schema, 'input'),
    })),
  ];
  const responses: Record<string, unknown> = {};
  for (const [status, doc] of Object.entries(allResponses(def))) {
    const isProblem = Number(status) >= 400 && !doc.schema;
    const headers = doc.headers
      ? Object.fromEntries(Object.entries(doc.headers).map(([h, d]) => [h, { description: d, schema: { type: 'string' } }]))
      : undefined;
    responses[status] = {
      description: doc.codes?.length ? `${doc.description} (code: ${doc.codes.join(', ')})` : doc.description,
      ...(headers ? { headers } : {}),
      // 204 No Content has none to describe.
      ...(status === '204'
        ? {}
        : {
            content: isProblem
              ? { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: `${COMPONENT_REF}Problem` } } }
              : doc.events
                ? { [EVENT_STREAM]: eventStreamMedia(doc.events, schemas) }
                : doc.contentType
                  ? Object.fromEntries(
                      [doc.contentType]
                        .flat()
                        .map((type) => [type, { schema: { type: 'string', ...(type.startsWith('text/') ? {} : { format: 'binary' }) } }]),
                    )
                  : { 'application/json': { schema: doc.schema ? schemas.of(doc.schema, 'output') : { type: 'object' } } },
          }),
    };
  }
  return {
    operationId: def.name,
    summary: def.summary,
    tags: def.tags,
    ...(def.auth === 'anonymous' ? { security: [] } : {}),
    ...(def.auth === 'reviewer' ? { description: 'Needs the `reviewer` role (custom claim).' } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(def.body ? { requestBody: { required: true, content: { 'application/json': { schema: schemas.of(def.body, 'input') } } } } : {}),
    responses,
  };
}

export function buildOpenApi(defs: readonly FunctionDefinition[]) {
  const schemas = new DocumentSchemas();
  schemas.of(ProblemSchema, 'output'); // registers components.schemas.Problem (its zod id)
  const paths: Record<string, Record<string, unknown>> = {};
  for (const def of defs) {
    if (def.kind !== 'http' || def.internal || def.mount === 'root') continue; // root: the console's files, not API
    const path = `/api/${parseRouteTemplate(def.route)
      .map((s) => ('param' in s ? `{${s.param}}` : 'rest' in s ? `{${s.rest}}` : s.literal))
      .join('/')}`;
    paths[path] ??= {};
    for (const m of def.methods) paths[path]![m.toLowerCase()] = operation(def, schemas);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'ReddyFit Scan API',
      version: '1.0.0',
      description: 'Daily body-composition scans. Errors are RFC 9457 problem details with a stable `code`.',
    },
    servers: [{ url: '/' }],
    security: [{ firebaseIdToken: [] }],
    paths,
    components: {
      securitySchemes: { firebaseIdToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Firebase ID token' } },
      schemas: schemas.components,
    },
  };
}

import { z } from 'zod';
import { ProblemSchema } from '../common/contracts/api';
import { PROBLEM_CONTENT_TYPE } from '../common/http/problem';
import { parseRouteTemplate } from './framework/routes';
import type { AnyHttpFunction, FunctionDefinition } from './framework/types';

// OpenAPI 3.1 from the function table and its zod schemas (zod 4's z.toJSONSchema, JSON Schema 2020-12).

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const out = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  delete out.$schema;
  return out;
}

function objectProperties(schema: z.ZodType | undefined): Array<[string, JsonSchema, boolean]> {
  if (!schema) return [];
  const js = jsonSchema(schema, 'input');
  const props = (js.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((js.required ?? []) as string[]);
  return Object.entries(props).map(([name, s]) => [name, s, required.has(name)]);
}

function operation(def: AnyHttpFunction) {
  const parameters = [
    ...objectProperties(def.params).map(([name, schema]) => ({ name, in: 'path', required: true, schema })),
    ...objectProperties(def.query).map(([name, schema, required]) => ({ name, in: 'query', required, schema })),
    ...Object.entries(def.requestHeaders ?? {}).map(([name, h]) => ({
      name,
      in: 'header',
      required: false,
      description: h.description,
      schema: jsonSchema(h.schema, 'input'),
    })),
  ];
  const responses: Record<string, unknown> = {};
  for (const [status, doc] of Object.entries(def.responses)) {
    const isProblem = Number(status) >= 400 && !doc.schema;
    const headers = doc.headers
      ? Object.fromEntries(Object.entries(doc.headers).map(([h, d]) => [h, { description: d, schema: { type: 'string' } }]))
      : undefined;
    responses[status] = {
      description: doc.codes?.length ? `${doc.description} (code: ${doc.codes.join(', ')})` : doc.description,
      ...(headers ? { headers } : {}),
      content: isProblem
        ? { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } }
        : { 'application/json': { schema: doc.schema ? jsonSchema(doc.schema, 'output') : { type: 'object' } } },
    };
  }
  return {
    operationId: def.name,
    summary: def.summary,
    tags: def.tags,
    ...(def.auth === 'anonymous' ? { security: [] } : {}),
    ...(def.auth === 'reviewer' ? { description: 'Needs the `reviewer` role (custom claim).' } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(def.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(def.body, 'input') } } } } : {}),
    responses,
  };
}

export function buildOpenApi(defs: readonly FunctionDefinition[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const def of defs) {
    if (def.kind !== 'http' || def.internal) continue;
    const path = `/api/${parseRouteTemplate(def.route)
      .map((s) => ('param' in s ? `{${s.param}}` : s.literal))
      .join('/')}`;
    paths[path] ??= {};
    for (const m of def.methods) paths[path]![m.toLowerCase()] = operation(def);
  }
  const problem = jsonSchema(ProblemSchema, 'output');
  delete problem.id;
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
      schemas: { Problem: problem },
    },
  };
}

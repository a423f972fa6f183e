import type { FunctionDefinition } from '../framework/types';
import { defineHttp } from '../framework/types';
import { buildOpenApi } from '../openapi-document';

/** GET /api/openapi.json, built once from the table it is part of. */
export function openApiFunction(table: () => readonly FunctionDefinition[]) {
  let doc: ReturnType<typeof buildOpenApi> | undefined;
  return defineHttp({
    kind: 'http',
    name: 'openApi',
    route: 'openapi.json',
    methods: ['GET'],
    auth: 'anonymous',
    summary: 'This document (OpenAPI 3.1)',
    tags: ['operations'],
    responses: { 200: { description: 'OpenAPI 3.1 document' } },
    async handler() {
      doc ??= buildOpenApi(table());
      return { status: 200, body: doc, headers: { 'Cache-Control': 'public, max-age=300' } };
    },
  });
}

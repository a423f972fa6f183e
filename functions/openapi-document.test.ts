import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { CursorSchema } from '../common/contracts/api';
import { UPLOAD_CHECK_CODES } from '../common/contracts/failures';
import { functions } from './definitions';
import { encodeCursor } from './handlers/list-scans';
import { buildOpenApi } from './openapi-document';

const doc = buildOpenApi(functions);
type Operation = { operationId: string; responses: Record<string, { description: string }>; requestBody?: unknown };
const operations = Object.values(doc.paths).flatMap((ops) => Object.values(ops) as Operation[]);
const op = (id: string) => operations.find((o) => o.operationId === id)!;

function refsIn(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) refsIn(n, out);
  else if (node && typeof node === 'object')
    for (const [k, v] of Object.entries(node)) k === '$ref' && typeof v === 'string' ? out.push(v) : refsIn(v, out);
  return out;
}

describe('the OpenAPI document', () => {
  it('validates as OpenAPI 3.1', async () => {
    const result = await new Validator().validate(structuredClone(doc) as never);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
  });

  it('every $ref resolves from the document root', () => {
    const refs = refsIn(doc);
    expect(refs).toContain('#/components/schemas/Problem');
    for (const ref of refs) {
      const target = ref
        .slice(2)
        .split('/')
        .reduce<unknown>(
          (node, key) => (node as Record<string, unknown> | undefined)?.[key.replaceAll('~1', '/').replaceAll('~0', '~')],
          doc,
        );
      expect(target, ref).toBeTypeOf('object');
    }
  });

  it('Problem lists the extension members real error bodies carry and allows others', () => {
    const problem = doc.components.schemas.Problem as { properties: Record<string, unknown>; additionalProperties?: unknown };
    expect(Object.keys(problem.properties)).toEqual(
      expect.arrayContaining(['scanId', 'scanStatus', 'consentType', 'missingPhotos', 'scanError']),
    );
    expect(problem.additionalProperties).not.toBe(false);
  });

  it('documents what the pipeline sends besides the handlers: 415 with a body, 401 with auth, 413 and 500 everywhere', () => {
    for (const o of operations) {
      expect(Object.keys(o.responses), o.operationId).toEqual(expect.arrayContaining(['400', '413', '500']));
      if (o.requestBody) expect(o.responses['415']?.description, o.operationId).toContain('unsupported_media_type');
    }
    expect(op('createScan').responses['401']?.description).toContain('invalid_token');
    expect(op('reviewScan').responses['403']?.description).toContain('reviewer_role_required');
  });

  it("documents every upload check's photo code, the dimension limit's included, where a rejection names them", () => {
    const scanError = JSON.stringify(doc.components.schemas.Problem);
    for (const code of UPLOAD_CHECK_CODES) {
      expect(op('submitScan').responses['422']?.description, code).toContain(code);
      expect(scanError, code).toContain(code);
    }
    expect(scanError).toContain('photo_dimensions_too_large');
  });

  it("documents a completed scan's provenance: workflow type, build id, and each agent's model deployment and prompt version", () => {
    const completed =
      JSON.stringify((op('getScan').responses['200'] as unknown as Record<string, unknown>) ?? {}) + JSON.stringify(doc.components);
    expect(completed).toContain('"provenance"');
    for (const field of ['workflowType', 'buildId', 'agents', 'deployment', 'promptVersion'])
      expect(completed, field).toContain(`"${field}"`);
  });

  it('documents 403 owner_only where a reviewer who is not the owner is refused', () => {
    for (const id of ['submitScan', 'cancelScan']) expect(op(id).responses['403']?.description, id).toContain('owner_only');
  });

  it('expresses the "age or birthYear" rule', () => {
    const body = (op('createScan').requestBody as { content: Record<string, { schema: { anyOf?: unknown } }> }).content['application/json']!
      .schema;
    expect(body.anyOf).toEqual([{ required: ['age'] }, { required: ['birthYear'] }]);
  });

  it("documents the cursor pattern the API accepts, and the API's own cursors match it", () => {
    const list = op('listScans') as unknown as { parameters: Array<{ name: string; schema: { pattern: string } }> };
    const pattern = new RegExp(list.parameters.find((p) => p.name === 'cursor')!.schema.pattern);
    const issued = encodeCursor({ createdAt: '2026-03-01T07:30:00.123Z', scanId: 'scan_0123456789abcdef' });
    expect(issued).toMatch(pattern);
    for (const value of [issued, '0.abcdefgh', '999999999999999.scan-id_X']) {
      expect(pattern.test(value), value).toBe(true);
      expect(CursorSchema.safeParse(value).success, value).toBe(true);
    }
    for (const value of ['bm90LWEtY3Vyc29y', '1.short', '.scan_0123456789', '1.scan/0123456789']) {
      expect(pattern.test(value), value).toBe(false);
      expect(CursorSchema.safeParse(value).success, value).toBe(false);
    }
  });
});

import { ListScansQuerySchema, ListScansResponseSchema } from '../../common/contracts/api';
import type { ScanDocument } from '../../common/contracts/scan-document';
import { Queries } from '../../common/scans/queries';
import { scansCollection } from '../../common/scans/repository';
import { defineHttp } from '../framework/types';
import { statusPath } from '../scans/access';
import { keysetPage } from '../scans/keyset-page';

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 50;

/** The cursor after this item (shape: CursorSchema). */
export function encodeCursor(scan: Pick<ScanDocument, 'createdAt' | 'scanId'>): string {
  return `${Date.parse(scan.createdAt)}.${scan.scanId}`;
}

/** The sort keys of a cursor CursorSchema already accepted: createdAt as stored (ISO, UTC) and the scan id. */
export function decodeCursor(cursor: string): { createdAt: string; scanId: string } {
  const dot = cursor.indexOf('.');
  return { createdAt: new Date(Number(cursor.slice(0, dot))).toISOString(), scanId: cursor.slice(dot + 1) };
}

export const listScans = defineHttp({
  kind: 'http',
  name: 'listScans',
  route: 'scans',
  methods: ['GET'],
  auth: 'member',
  summary: "The caller's own scans, newest first, with cursor pagination",
  tags: ['scans'],
  query: ListScansQuerySchema,
  responses: {
    200: { description: 'one page', schema: ListScansResponseSchema },
    400: { description: 'invalid limit or cursor', codes: ['validation_failed'] },
  },
  async handler({ query, principal, deps, urlFor }) {
    const limit = Math.min(Number(query.limit ?? DEFAULT_LIMIT), MAX_LIMIT);
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    const found = await keysetPage(
      scansCollection(deps.db),
      Queries.memberScansNewestFirst,
      { ownerId: principal.uid },
      after && { value: after.createdAt, id: after.scanId },
      limit,
    );
    const docs = found.map((d) => d.data());
    const page = docs.slice(0, limit);
    const last = page[page.length - 1];
    return {
      status: 200,
      body: {
        items: page.map((s) => ({
          scanId: s.scanId,
          status: s.status,
          createdAt: s.createdAt,
          updatedAt: s.updatedAt,
          endedAt: s.endedAt,
          statusUrl: urlFor(statusPath(s.scanId)),
        })),
        nextCursor: docs.length > limit && last ? encodeCursor(last) : null,
      },
    };
  },
});

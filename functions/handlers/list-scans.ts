import { FieldPath } from 'firebase-admin/firestore';
import { z } from 'zod';
import { ListScansQuerySchema, ListScansResponseSchema } from '../../common/contracts/api';
import { ScanIdSchema } from '../../common/contracts/scan';
import { Collections, type ScanDocument } from '../../common/contracts/scan-document';
import { InvalidCursorError } from '../errors';
import { defineHttp } from '../framework/types';
import { statusPath } from '../scans/access';

const DEFAULT_LIMIT = 20;
const MAX_LIMIT = 50;

const CursorPayloadSchema = z.object({ c: z.iso.datetime({ offset: true }), id: ScanIdSchema }).strict();

export function encodeCursor(scan: Pick<ScanDocument, 'createdAt' | 'scanId'>): string {
  return Buffer.from(JSON.stringify({ c: scan.createdAt, id: scan.scanId })).toString('base64url');
}

export function decodeCursor(cursor: string): z.infer<typeof CursorPayloadSchema> {
  try {
    return CursorPayloadSchema.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
  } catch {
    throw new InvalidCursorError('pass the nextCursor of a previous page unchanged');
  }
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
    400: { description: 'invalid limit or cursor', codes: ['validation_failed', 'invalid_cursor'] },
    401: { description: 'no or invalid token', codes: ['unauthenticated', 'invalid_token'] },
  },
  async handler({ query, principal, deps, urlFor }) {
    const limit = Math.min(Number(query.limit ?? DEFAULT_LIMIT), MAX_LIMIT);
    const after = query.cursor ? decodeCursor(query.cursor) : undefined;
    // Needs the composite index (ownerId ASC, createdAt DESC, __name__ DESC) in Firestore.
    let q = deps.db
      .collection(Collections.scans)
      .where('ownerId', '==', principal.uid)
      .orderBy('createdAt', 'desc')
      .orderBy(FieldPath.documentId(), 'desc');
    if (after) q = q.startAfter(after.c, after.id);
    const snap = await q.limit(limit + 1).get();
    const docs = snap.docs.map((d) => d.data() as ScanDocument);
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

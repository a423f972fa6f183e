import type { Query } from 'firebase-admin/firestore';
import { Collections } from '../contracts/scan-document';

// Every Firestore query that filters or sorts on more than one field is built from this table, so the
// table is what production's composite indexes must cover: firestore.indexes.json is checked against it
// (scripts/infra/firestore-config.test.ts), and that test also fails on a multi-field query written elsewhere.

/** A query's shape: fields filtered by equality (`==`, or `in` for a list), then at most one sorted field. */
export interface QueryShape {
  collection: string;
  equal: readonly string[];
  /** The field the query sorts (and, when paging, ranges) on; document id breaks ties in the same direction. */
  sortedBy?: { field: string; direction: 'asc' | 'desc' };
}

export const Queries = {
  /** GET /api/scans: the caller's scans, newest first (keyset paging). */
  memberScansNewestFirst: {
    collection: Collections.scans,
    equal: ['ownerId'],
    sortedBy: { field: 'createdAt', direction: 'desc' },
  },
  /** A member's open scans: the create limits, and stopping them when consent is revoked. */
  memberScansByStatus: { collection: Collections.scans, equal: ['ownerId', 'status'] },
  /** GET /api/reviews: scans waiting for review, longest waiting first (keyset paging). */
  reviewQueue: {
    collection: Collections.scans,
    equal: ['status'],
    sortedBy: { field: 'updatedAt', direction: 'asc' },
  },
} as const satisfies Record<string, QueryShape>;

/** The values of a shape's equality fields: a string for `==`, a list for `in`. */
export type EqualValues<S extends QueryShape> = { [F in S['equal'][number]]: string | readonly string[] };

/** The shape's equality filters on `base`, in the table's field order (a list becomes `in`). */
export function filtered<T, S extends QueryShape>(base: Query<T>, shape: S, values: EqualValues<S>): Query<T> {
  let q = base;
  for (const field of shape.equal as readonly (keyof EqualValues<S>)[]) {
    const value = values[field];
    q = typeof value === 'string' ? q.where(field as string, '==', value) : q.where(field as string, 'in', [...value]);
  }
  return q;
}

/** The composite index (firestore.indexes.json format) a shape needs; none when one field is all it uses. */
export function compositeIndexOf(
  shape: QueryShape,
): { collectionGroup: string; queryScope: 'COLLECTION'; fields: { fieldPath: string; order: 'ASCENDING' | 'DESCENDING' }[] } | undefined {
  const fields = [
    ...shape.equal.map((fieldPath) => ({ fieldPath, order: 'ASCENDING' as const })),
    ...(shape.sortedBy
      ? [{ fieldPath: shape.sortedBy.field, order: shape.sortedBy.direction === 'asc' ? ('ASCENDING' as const) : ('DESCENDING' as const) }]
      : []),
  ];
  return fields.length > 1 ? { collectionGroup: shape.collection, queryScope: 'COLLECTION', fields } : undefined;
}

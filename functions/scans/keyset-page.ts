import type { Query, QueryDocumentSnapshot } from 'firebase-admin/firestore';
import { firestoreSdk } from '../../common/clients/sdk-modules';
import { type EqualValues, filtered, type QueryShape } from '../../common/scans/queries';

// Keyset paging without Firestore cursors. The local Firestore stand-in (@firestore-emulator/server)
// ignores a query's start_at/end_at, so `startAfter(value, id)` answered page 1 again for every cursor
// (GET /api/reviews followed its nextCursor forever). A range filter on the sort field, plus dropping the
// ties at or before the cursor's document id, gives the same pages on Firestore and on the stand-in, with
// the same composite index (equality fields, then the sort field, then the document id).

export interface KeysetCursor {
  /** The sort field's value of the last item of the previous page, as stored. */
  value: string;
  /** Its document id (the tie-breaker). */
  id: string;
}

/**
 * Up to `limit + 1` documents of `collection` that match a sorted shape of the query table
 * (common/scans/queries.ts: its composite index is deployed), ordered by the sorted field then document
 * id, strictly after `after` (the extra one tells the caller there is a next page).
 */
export async function keysetPage<T, S extends QueryShape & { sortedBy: NonNullable<QueryShape['sortedBy']> }>(
  collection: Query<T>,
  shape: S,
  equal: EqualValues<S>,
  after: KeysetCursor | undefined,
  limit: number,
): Promise<QueryDocumentSnapshot<T>[]> {
  const base = filtered(collection, shape, equal);
  const { field, direction } = shape.sortedBy;
  const ordered = (q: Query<T>) => q.orderBy(field, direction).orderBy(firestoreSdk().FieldPath.documentId(), direction);
  if (!after)
    return (
      await ordered(base)
        .limit(limit + 1)
        .get()
    ).docs;
  const q = ordered(base.where(field, direction === 'asc' ? '>=' : '<=', after.value));
  const beyond = (d: QueryDocumentSnapshot<T>) => d.get(field) !== after.value || (direction === 'asc' ? d.id > after.id : d.id < after.id);
  // Ties with the cursor's value are read and dropped; read more only when a page was all ties.
  for (let fetch = limit + 1; ; fetch *= 4) {
    const docs = (await q.limit(fetch).get()).docs;
    const kept = docs.filter(beyond);
    if (kept.length > limit || docs.length < fetch) return kept.slice(0, limit + 1);
  }
}

import type { DocumentData, FirestoreDataConverter, PartialWithFieldValue, QueryDocumentSnapshot } from 'firebase-admin/firestore';
import type { z } from 'zod';

// How every Firestore document is read: parsed by the zod schema that is the one home of its shape,
// through one converter per collection. A document without that shape is refused at the read, never
// passed on under a type it does not have.

/**
 * A stored document that does not have its schema's shape. It names the document and the failing field
 * paths only, never their values: a scan document holds health data, and errors end up in logs and
 * workflow failures.
 */
export class MalformedDocumentError extends Error {
  override readonly name = 'MalformedDocumentError';
  readonly code = 'malformed_document';
  constructor(
    readonly path: string,
    readonly fields: readonly string[],
  ) {
    super(`the document ${path} does not have its stored shape (fields: ${fields.join(', ') || '(the document)'})`);
  }
}

/** The document's data parsed by `schema`; a MalformedDocumentError when it does not fit. */
export function parseDocument<S extends z.ZodType>(schema: S, path: string, data: unknown): z.output<S> {
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new MalformedDocumentError(path, [...new Set(parsed.error.issues.map((i) => i.path.join('.')))]);
  return parsed.data;
}

/** The converter of a collection whose documents `schema` describes (`.withConverter(documentConverter(schema))`). */
export function documentConverter<S extends z.ZodType<DocumentData>>(schema: S): FirestoreDataConverter<z.output<S>> {
  return {
    toFirestore: (value: PartialWithFieldValue<z.output<S>>) => value as DocumentData,
    fromFirestore: (snap: QueryDocumentSnapshot) => parseDocument(schema, snap.ref.path, snap.data()),
  };
}

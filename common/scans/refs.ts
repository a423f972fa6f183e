import type { DocumentData, Firestore, FirestoreDataConverter, PartialWithFieldValue } from 'firebase-admin/firestore';
import { Collections, type ScanDocument, ScanDocumentSchema } from '../contracts/scan-document';

// Where scans and members live in Firestore, and how a scan document is read.

/**
 * Scan documents are parsed with their schema as they are read: a document that does not have the
 * shape fails here, at the boundary, instead of somewhere downstream. Fields the schema does not know
 * yet are kept (a newer writer during a rolling deploy).
 */
const scanConverter: FirestoreDataConverter<ScanDocument> = {
  toFirestore: (scan: PartialWithFieldValue<ScanDocument>) => scan as DocumentData,
  fromFirestore: (snap) => ScanDocumentSchema.loose().parse(snap.data()),
};

export const scansCollection = (db: Firestore) => db.collection(Collections.scans).withConverter(scanConverter);
export const scanRef = (db: Firestore, scanId: string) => scansCollection(db).doc(scanId);
export const userRef = (db: Firestore, uid: string) => db.collection(Collections.users).doc(uid);

export class ScanMissingError extends Error {
  override readonly name = 'ScanMissingError';
}

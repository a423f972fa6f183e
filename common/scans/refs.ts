import type { Firestore, FirestoreDataConverter } from 'firebase-admin/firestore';
import { documentConverter } from '../clients/firestore-documents';
import { ErasureDocumentSchema } from '../contracts/erasure';
import {
  Collections,
  ConsentDocumentSchema,
  type ConsentType,
  type ScanDocument,
  ScanDocumentSchema,
  UserDocumentSchema,
} from '../contracts/scan-document';
import { ScanPointSchema } from '../contracts/scan-history';

// Where scans, members, their consents, scan history and erasures live in Firestore, each with the one
// converter every reader goes through: a document is parsed by its schema as it is read, and one that
// does not have the shape fails here (MalformedDocumentError), at the boundary, not somewhere downstream.

/** Fields the scan schema does not know yet are kept (a newer writer during a rolling deploy). */
const scanConverter: FirestoreDataConverter<ScanDocument> = documentConverter(ScanDocumentSchema.loose());
const userConverter = documentConverter(UserDocumentSchema);
const consentConverter = documentConverter(ConsentDocumentSchema);
const scanPointConverter = documentConverter(ScanPointSchema);
const erasureConverter = documentConverter(ErasureDocumentSchema);

export const scansCollection = (db: Firestore) => db.collection(Collections.scans).withConverter(scanConverter);
export const scanRef = (db: Firestore, scanId: string) => scansCollection(db).doc(scanId);
export const userRef = (db: Firestore, uid: string) => db.collection(Collections.users).doc(uid).withConverter(userConverter);
export const consentRef = (db: Firestore, uid: string, type: ConsentType) =>
  userRef(db, uid).collection(Collections.consents).doc(type).withConverter(consentConverter);
/** users/{uid}/scanHistory/{scanId}: the compact numbers of each completed scan. */
export const scanHistoryCollection = (db: Firestore, uid: string) =>
  userRef(db, uid).collection(Collections.scanHistory).withConverter(scanPointConverter);

/** erasures/{uid}: the member's latest erasure (the tombstone the create, consent and archive paths read). */
export const erasureRef = (db: Firestore, userId: string) =>
  db.collection(Collections.erasures).doc(userId).withConverter(erasureConverter);

/** erasures/{uid}/runs/{sequence}: one erasure's own record. */
export const erasureRunRef = (db: Firestore, userId: string, sequence: number) =>
  db.collection(Collections.erasures).doc(userId).collection(Collections.erasureRuns).doc(String(sequence)).withConverter(erasureConverter);

export class ScanMissingError extends Error {
  override readonly name = 'ScanMissingError';
}

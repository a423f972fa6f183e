import type { Firestore, Transaction } from 'firebase-admin/firestore';
import { firestoreSdk } from '../clients/sdk-modules';
import { canMoveStatus, ENDED_WITHOUT_RESULTS, type EndedWithoutResults, type ScanError, type ScanStatus } from '../contracts/scan';
import type { ScanDocument } from '../contracts/scan-document';
import type { Provenance } from '../contracts/scan-results';
import { type ScanAuditEntry, writeAuditInTransaction } from './audit-log';
import { ScanMissingError, scanRef, scansCollection, userRef } from './refs';

// The one way a scan ends without results, on either side and at any point: rejected at upload, upload
// expired (by the reconciliation timer or a new create), consent revoked, cancelled before or during the
// run, failed, review rejected. Two steps:
//   1. one Firestore transaction: the final status and member-facing reason, the credit refunded (only
//      from reserved) and the audit record, all or nothing, with `retentionPending` set;
//   2. after the commit, the photo retention policy of the side that ends it, then `retentionPending`
//      set to false.
// A crash between them leaves an ended, refunded, audited scan whose photos are still to be handled:
// never a failed scan holding a reserved credit. Running the ending again (a retried activity, event or
// request), or finishPendingRetention (the reconciliation timer's sweep), does step 2 only: nothing is
// refunded or recorded twice, and a completed scan is never touched.

export interface ScanEnding {
  scanId: string;
  status: EndedWithoutResults;
  error: ScanError;
  /** The one audit record of this ending (its outcome is the final status); written only with the status move. */
  audit: Omit<ScanAuditEntry, 'scanId' | 'outcome'>;
  /** The statuses it may end from (e.g. an end before start leaves only awaiting_upload). */
  onlyFrom?: readonly ScanStatus[];
  /** The worker's record of which build and workflow type ended it; the Functions side ends scans that never ran. */
  provenance?: Provenance;
}

/** What step 1 reads, in its transaction, before any write. */
export interface EndingRead {
  scan: ScanDocument | undefined;
}

export interface EndingWrite {
  /** The status moved now (in this transaction). */
  applied: boolean;
  /** The status the scan has after the transaction. */
  status: ScanStatus;
  /** The credit went back to the member in this transaction. */
  refunded: boolean;
}

/** Step 1's reads: call in the transaction before any write (Firestore reads come first). */
export async function readForEnding(tx: Transaction, db: Firestore, ending: Pick<ScanEnding, 'scanId'>): Promise<EndingRead> {
  return { scan: (await tx.get(scanRef(db, ending.scanId))).data() };
}

/**
 * Step 1's writes, in the caller's transaction (on its own, or inside a larger one such as a create that
 * ends a member's expired scan): status, reason, refund, audit, `retentionPending`. A scan that cannot
 * move (already final, or not in `onlyFrom`) is left as it is.
 */
export function writeEnding(tx: Transaction, db: Firestore, read: EndingRead, ending: ScanEnding, now: Date): EndingWrite {
  const scan = read.scan;
  if (!scan) throw new ScanMissingError(`scan ${ending.scanId} not found`);
  const allowed = canMoveStatus(scan.status, ending.status) && (!ending.onlyFrom || ending.onlyFrom.includes(scan.status));
  if (!allowed) return { applied: false, status: scan.status, refunded: false };
  const at = now.toISOString();
  // A credit moves only from reserved: a consumed one (results written) or a refunded one stays.
  const refunded = scan.credit.state === 'reserved';
  tx.update(scanRef(db, ending.scanId), {
    status: ending.status,
    error: ending.error,
    endedAt: at,
    updatedAt: at,
    retentionPending: true,
    ...(ending.provenance ? { provenance: ending.provenance } : {}),
    ...(refunded ? { 'credit.state': 'refunded' } : {}),
  });
  if (refunded) tx.update(userRef(db, scan.ownerId), { scanCredits: firestoreSdk().FieldValue.increment(1) });
  // A new record: the status moved in this very transaction, so no earlier run of the ending recorded it.
  writeAuditInTransaction(tx, db, { ...ending.audit, scanId: ending.scanId, outcome: ending.status }, now);
  return { applied: true, status: ending.status, refunded };
}

/**
 * Ends a scan without results: step 1 in its own transaction, then step 2 with `retainPhotos` (the photo
 * retention policy of the side that ends it; it records `photosDeleted` when it deletes). Runs again
 * safely: a scan that already ended without results only finishes its photo retention.
 */
export async function endScanWithoutResults(
  db: Firestore,
  args: ScanEnding & { now: Date; retainPhotos: () => Promise<unknown> },
): Promise<{ ended: boolean; status: ScanStatus; refunded: boolean }> {
  const result = await db.runTransaction(async (tx) => writeEnding(tx, db, await readForEnding(tx, db, args), args, args.now));
  if (result.applied || isEndedWithoutResults(result.status)) await finishRetention(db, args.scanId, args.retainPhotos, args.now);
  return { ended: result.applied, status: result.status, refunded: result.refunded };
}

const isEndedWithoutResults = (status: ScanStatus) => (ENDED_WITHOUT_RESULTS as readonly ScanStatus[]).includes(status);

/**
 * Step 2: the photo retention of a scan that ended without results, unless it is done (`retentionPending`
 * false; a scan ended before this field existed counts as done once `photosDeleted` is set).
 */
export async function finishRetention(db: Firestore, scanId: string, retainPhotos: () => Promise<unknown>, now: Date): Promise<boolean> {
  const scan = (await scanRef(db, scanId).get()).data();
  if (!scan || !isEndedWithoutResults(scan.status)) return false;
  if (scan.retentionPending !== true && scan.photosDeleted === true) return false;
  await retainPhotos();
  await scanRef(db, scanId).update({ retentionPending: false, updatedAt: now.toISOString() });
  return true;
}

/**
 * Scans whose ending committed but whose photo retention has not finished (the process stopped between
 * the two steps, or the retention failed) and that ended before `endedBefore`: what the sweep finishes.
 */
export async function scansWithPendingRetention(db: Firestore, endedBefore: Date, limit: number): Promise<ScanDocument[]> {
  const snap = await scansCollection(db).where('retentionPending', '==', true).limit(limit).get();
  return snap.docs.map((d) => d.data()).filter((s) => !s.endedAt || Date.parse(s.endedAt) < endedBefore.getTime());
}

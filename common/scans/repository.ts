import { createHash } from 'node:crypto';
import type { DocumentReference, Firestore } from 'firebase-admin/firestore';
import { z } from 'zod';
import { documentConverter } from '../clients/firestore-documents';
import { firestoreSdk } from '../clients/sdk-modules';
import { MEMBER_MESSAGES } from '../contracts/failures';
import {
  ANGLES,
  canMoveStatus,
  isFinalStatus,
  type Progress,
  type ScanMeasurements,
  type ScanStatus,
  uploadBlobName,
  workflowIdForScan,
} from '../contracts/scan';
import { Collections, type ConsentDocument, type ScanDocument, type UserDocument } from '../contracts/scan-document';
import { isAlreadyExists } from './already-exists';
import { prepareAudits, type ScanAuditEntry } from './audit-log';
import { filtered, Queries } from './queries';
import { consentRef, erasureRef, ScanMissingError, scanRef, scansCollection, userRef } from './refs';
import { readForEnding, type ScanEnding, writeEnding } from './scan-ending';

export { consentRef, ScanMissingError, scanRef, scansCollection, userRef };

// Scan records and credits: every change that must be all-or-nothing runs in one transaction.

/** Why a write of member data is refused; each is also the API's problem code for it (functions/errors.ts). */
export type RefusalCode =
  | 'no_scan_credit'
  | 'consent_required'
  /** An Idempotency-Key seen before with a different request (RFC draft "idempotency-key-header": 422). */
  | 'idempotency_key_reused'
  /** capturedAt is not after the capture time of the member's previous scan (back-dating feeds the trend). */
  | 'captured_at_before_previous_scan'
  /** The member's erasure (DELETE /api/me) is running: no new health data until it completed. */
  | 'erasure_in_progress'
  /** The member already has as many open scans as allowed (the oldest one's id in `extensions.openScanId`). */
  | 'scan_in_progress'
  /** The member created as many scans today (UTC) as allowed; cancelled ones count. */
  | 'daily_scan_limit'
  /** A scan has as many open report links, or ever made, as allowed (the limit in `extensions.limit`). */
  | 'share_limit_reached';

/** A refused write, by its code; `extensions` are identifiers and limits the caller may be told (never health data). */
export class RefusedError extends Error {
  override readonly name = 'RefusedError';
  constructor(
    readonly code: RefusalCode,
    message: string,
    readonly extensions?: Record<string, string | number>,
  ) {
    super(message);
  }
}

export const erasureInProgress = () => new RefusedError('erasure_in_progress', "the member's erasure is running");

/** Statuses of a scan that is still open (not finished). */
export const OPEN_STATUSES: readonly ScanStatus[] = ['awaiting_upload', 'queued', 'running', 'awaiting_review'];

/**
 * Limits a create is held to (the HTTP edge passes them; seeding helpers need not). An open scan still
 * awaiting upload whose upload URLs expired before `uploadsExpiredBefore` is ended in the same
 * transaction (credit refunded) instead of blocking the member forever.
 */
export interface CreateLimits {
  maxOpen: number;
  dailyLimit: number;
  uploadsExpiredBefore: Date;
}

/** Per-member bookkeeping on the user document, written by every create in its transaction. */
type CreateCounters = Pick<UserDocument, 'lastCapturedAt' | 'scanCreates' | 'uploadUrlsValidUntil'>;

/** The key of a create request and a fingerprint of its body; a retry with the same key returns the same scan. */
export interface IdempotencyInput {
  key: string;
  fingerprint: string;
}
const IdempotencyRecordSchema = z.object({ scanId: z.string(), fingerprint: z.string(), createdAt: z.string() });
type IdempotencyRecord = z.infer<typeof IdempotencyRecordSchema>;
const idempotencyConverter = documentConverter(IdempotencyRecordSchema);

/** Keys are stored hashed: any client string becomes a safe document id. */
export const idempotencyRef = (db: Firestore, uid: string, key: string) =>
  userRef(db, uid)
    .collection(Collections.idempotency)
    .doc(createHash('sha256').update(key).digest('hex'))
    .withConverter(idempotencyConverter);

export function hasConsent(doc: Partial<ConsentDocument> | undefined): boolean {
  return doc?.status === 'granted';
}

/**
 * Checks consent, reserves one credit and creates the scan `awaiting_upload`, atomically: no credit is
 * spent without a scan and no scan exists without its credit. With `idempotency`, the key lookup is
 * part of the same transaction: a key seen before returns the scan it created (its `scanId` differs from
 * the one passed in, which is how callers tell a replay) and reserves nothing.
 */
export async function createScanWithCredit(db: Firestore, args: CreateArgs): Promise<ScanDocument> {
  try {
    return await createScanOnce(db, args);
  } catch (err) {
    // Two first requests with one key raced; the loser's create of the key record failed. Once more
    // finds the winner's record and returns its scan.
    if (args.idempotency && isAlreadyExists(err)) return createScanOnce(db, args);
    throw err;
  }
}

interface CreateArgs {
  scanId: string;
  userId: string;
  measurements: ScanMeasurements;
  now: Date;
  idempotency?: IdempotencyInput;
  limits?: CreateLimits;
  /** Checks that only a new scan must pass (a replayed Idempotency-Key skips them); throws to refuse. */
  checkFresh?: () => void;
  /**
   * Until when the upload URLs the caller hands out for the returned scan are valid (when it awaits upload).
   * Recorded on the member in this transaction, so no URL is handed out without its record and none
   * once the member's erasure has begun (common/scans/member-data.ts, lastSweepAfter).
   */
  uploadUrlsValidUntil?: Date;
}

/** The member's record of upload URLs handed out, moved to `validUntil` when that is later (never back). */
function laterUploadUrlExpiry(user: UserDocument | undefined, validUntil: Date | undefined): Pick<UserDocument, 'uploadUrlsValidUntil'> {
  if (!validUntil) return {};
  const recorded = user?.uploadUrlsValidUntil === undefined ? Number.NaN : Date.parse(user.uploadUrlsValidUntil);
  return recorded >= validUntil.getTime() ? {} : { uploadUrlsValidUntil: validUntil.toISOString() };
}

async function createScanOnce(db: Firestore, args: CreateArgs): Promise<ScanDocument> {
  const { scanId, userId, measurements, now, idempotency, limits } = args;
  return db.runTransaction(async (tx) => {
    const keyRef = idempotency ? idempotencyRef(db, userId, idempotency.key) : undefined;
    const [erasure, user, consent, keyed, open] = await Promise.all([
      tx.get(erasureRef(db, userId)),
      tx.get(userRef(db, userId)),
      tx.get(consentRef(db, userId, 'scan_analysis')),
      keyRef ? tx.get(keyRef) : Promise.resolve(undefined),
      limits
        ? tx.get(filtered(scansCollection(db), Queries.memberScansByStatus, { ownerId: userId, status: OPEN_STATUSES }))
        : Promise.resolve(undefined),
    ]);
    // Read in this transaction, so a DELETE /api/me that commits first is seen, and one that commits
    // later made this transaction retry: no scan is created once the member's erasure has begun.
    if (erasure.data()?.status === 'running') throw erasureInProgress();
    if (keyed?.exists) {
      const record = keyed.data()!;
      if (record.fingerprint !== idempotency!.fingerprint)
        throw new RefusedError('idempotency_key_reused', 'the Idempotency-Key was used with a different request');
      const existing = (await tx.get(scanRef(db, record.scanId))).data();
      if (!existing) throw new RefusedError('idempotency_key_reused', 'the scan of this Idempotency-Key no longer exists');
      // The record names a scan; only the caller's own is ever answered (a record pointing elsewhere was
      // not written by this code, and must not hand out another member's scan or its upload URLs).
      if (existing.ownerId !== userId)
        throw new RefusedError('idempotency_key_reused', 'the Idempotency-Key was used with a different request');
      // A replay hands out upload URLs again while the scan awaits its photos: on record like the first.
      const handedOut = existing.status === 'awaiting_upload' ? laterUploadUrlExpiry(user.data(), args.uploadUrlsValidUntil) : {};
      if (handedOut.uploadUrlsValidUntil) tx.update(userRef(db, userId), handedOut);
      return existing;
    }
    args.checkFresh?.();
    if (!hasConsent(consent.data())) throw new RefusedError('consent_required', 'scan_analysis consent is not granted');
    const counters: CreateCounters = user.data() ?? {};
    const day = now.toISOString().slice(0, 10);
    const createdToday = counters.scanCreates?.day === day ? counters.scanCreates.count : 0;
    let refunds = 0;
    if (limits) {
      if (counters.lastCapturedAt && Date.parse(measurements.capturedAt) <= Date.parse(counters.lastCapturedAt))
        throw new RefusedError('captured_at_before_previous_scan', 'capturedAt is not after the previous scan');
      const scans = (open?.docs ?? []).map((d) => d.data());
      // Upload URLs expired: no photo can arrive any more, so such a scan ends here, through the one
      // ending (refunded and audited in this transaction; its photos are handled by the sweep after it).
      const expired = scans.filter(
        (s) => s.status === 'awaiting_upload' && Date.parse(s.createdAt) < limits.uploadsExpiredBefore.getTime(),
      );
      const endings = expired.map((s) => uploadExpiredEnding(s));
      const reads = await Promise.all(endings.map((e) => readForEnding(tx, db, e)));
      endings.forEach((e, i) => {
        if (writeEnding(tx, db, reads[i]!, e, now).refunded) refunds++;
      });
      const stillOpen = scans.filter((s) => !expired.includes(s));
      stillOpen.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
      if (stillOpen.length >= limits.maxOpen)
        throw new RefusedError('scan_in_progress', 'another scan is still open', { openScanId: stillOpen[0]!.scanId });
      if (createdToday >= limits.dailyLimit) throw new RefusedError('daily_scan_limit', 'daily scan limit reached');
    }
    const credits = (user.data()?.scanCredits ?? 0) + refunds;
    if (!(credits >= 1)) throw new RefusedError('no_scan_credit', 'no scan credit left');
    const doc: ScanDocument = {
      scanId,
      ownerId: userId,
      status: 'awaiting_upload',
      measurements,
      photos: Object.fromEntries(ANGLES.map((a) => [a, uploadBlobName(userId, scanId, a)])) as ScanDocument['photos'],
      credit: { state: 'reserved' },
      workflowId: workflowIdForScan(scanId),
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    };
    const latestCapture =
      counters.lastCapturedAt && Date.parse(counters.lastCapturedAt) > Date.parse(measurements.capturedAt)
        ? counters.lastCapturedAt
        : measurements.capturedAt;
    tx.update(userRef(db, userId), {
      // The refunds of expired scans were written by their endings in this transaction; this is the new scan's credit.
      scanCredits: firestoreSdk().FieldValue.increment(-1),
      lastCapturedAt: latestCapture,
      scanCreates: { day, count: createdToday + 1 },
      ...laterUploadUrlExpiry(user.data(), args.uploadUrlsValidUntil),
    } satisfies Record<string, unknown> & CreateCounters);
    tx.create(scanRef(db, scanId), doc);
    if (keyRef)
      tx.create(keyRef, { scanId, fingerprint: idempotency!.fingerprint, createdAt: now.toISOString() } satisfies IdempotencyRecord);
    return doc;
  });
}

/** The ending of a scan whose photos never all arrived in time (the reconciliation timer ends it the same way). */
export function uploadExpiredEnding(scan: Pick<ScanDocument, 'scanId' | 'ownerId'>): ScanEnding {
  return {
    scanId: scan.scanId,
    status: 'cancelled',
    error: { code: 'upload_expired', message: MEMBER_MESSAGES.upload_expired },
    audit: { userId: scan.ownerId, action: 'upload_expired', actor: 'system:functions' },
    onlyFrom: ['awaiting_upload'],
  };
}

interface TransactionWrites {
  update: (ref: DocumentReference, data: Record<string, unknown>) => void;
  set: (ref: DocumentReference, data: Record<string, unknown>) => void;
}

/**
 * One transactional change of a scan: an optional status move (forward only, see `canMoveStatus`),
 * fields written with it, and the audit records of what happened, all or nothing. A status the scan
 * cannot move to (a late write, a finished scan) changes nothing and records nothing. Without a status
 * move, the fields are written only while the scan is live. `onlyFrom` narrows the statuses it may
 * leave (e.g. a cancel before start only leaves awaiting_upload).
 */
export async function updateScan(
  db: Firestore,
  scanId: string,
  change: {
    now: Date;
    to?: ScanStatus;
    onlyFrom?: readonly ScanStatus[];
    fields?: Record<string, unknown>;
    /** Written only when not behind the recorded progress: steps that run side by side finish in any order. */
    progress?: Progress;
    audits?: readonly ScanAuditEntry[];
    /** The activity execution writing them (activityOccurrence): a retry of it records nothing again. */
    occurrence?: string | undefined;
    /** Extra writes that belong to the same change (a credit refund, a history entry). */
    also?: (write: TransactionWrites, current: { ownerId: string; creditState: string | undefined }) => void;
  },
): Promise<{ applied: boolean; status: ScanStatus; ownerId: string; creditState: string | undefined }> {
  const ref = scanRef(db, scanId);
  return db.runTransaction(async (tx) => {
    const [snap, writeAudits] = await Promise.all([tx.get(ref), prepareAudits(tx, db, change.audits ?? [], change.occurrence)]);
    if (!snap.exists) throw new ScanMissingError(`scan ${scanId} not found`);
    const scan = snap.data()!;
    const status = scan.status;
    const creditState = scan.credit.state;
    const ownerId = scan.ownerId;
    const allowed = change.to
      ? canMoveStatus(status, change.to) && (!change.onlyFrom || change.onlyFrom.includes(status))
      : !isFinalStatus(status);
    if (!allowed) return { applied: false, status, ownerId, creditState };
    const at = change.now.toISOString();
    const forward = change.progress && (scan.progress?.percent ?? 0) <= change.progress.percent ? { progress: change.progress } : {};
    tx.update(ref, { ...(change.to ? { status: change.to } : {}), ...(change.fields ?? {}), ...forward, updatedAt: at });
    writeAudits(change.now);
    change.also?.({ update: (r, d) => tx.update(r, d), set: (r, d) => tx.set(r, d) }, { ownerId, creditState });
    return { applied: true, status: change.to ?? status, ownerId, creditState };
  });
}

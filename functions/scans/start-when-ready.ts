import { RestError } from '@azure/storage-blob';
import { ANGLES, type Angle, type ScanError, type ScanStatus } from '../../common/contracts/scan';
import { MEMBER_MESSAGES } from '../../common/contracts/failures';
import type { ScanDocument } from '../../common/contracts/scan-document';
import { writeAudit } from '../../common/scans/audit-log';
import { refundScanCredit, scanRef } from '../../common/scans/repository';
import { startDailyScan } from '../../common/scans/start-scan';
import type { Deps } from '../deps';
import { KeyedLock } from '../framework/keyed-lock';
import { checkPhoto, MAGIC_BYTES_NEEDED, type PhotoProblem } from './photo-check';

// The one start path of a scan, shared by the upload trigger and POST /api/scans/{scanId}/submit.

/** Events of one scan are handled one at a time per process (see KeyedLock). */
export const scanLock = new KeyedLock();

const ENDED_WITHOUT_RESULTS = new Set<ScanStatus>(['rejected', 'failed', 'cancelled']);

export interface UploadInspection {
  missing: Angle[];
  problems: PhotoProblem[];
}

/** Looks at the four uploaded photos: which are missing, which fail the type, magic-byte and size checks. */
export async function inspectUploads(deps: Deps, scan: ScanDocument): Promise<UploadInspection> {
  const container = deps.blob.getContainerClient(deps.config.SCAN_UPLOADS_CONTAINER);
  const max = deps.config.MAX_PHOTO_BYTES;
  const results = await Promise.all(
    ANGLES.map(async (angle) => {
      const client = container.getBlockBlobClient(scan.photos[angle] ?? '');
      try {
        const props = await client.getProperties();
        const size = props.contentLength ?? 0;
        let head: Uint8Array = new Uint8Array(0);
        if (size > 0 && size <= max) head = await client.downloadToBuffer(0, Math.min(size, MAGIC_BYTES_NEEDED));
        return { angle, problem: checkPhoto({ angle, contentType: props.contentType, size, head }, max) };
      } catch (err) {
        if (err instanceof RestError && err.statusCode === 404) return { angle, missing: true as const };
        throw err;
      }
    }),
  );
  return {
    missing: results.filter((r) => 'missing' in r).map((r) => r.angle),
    problems: results.flatMap((r) => ('problem' in r && r.problem ? [r.problem] : [])),
  };
}

export function photosRejectedError(problems: PhotoProblem[]): ScanError {
  return {
    code: 'photos_rejected',
    message: MEMBER_MESSAGES.photos_rejected,
    details: problems.map((p) => ({ angle: p.angle, code: p.code, reason: p.reason })),
  };
}

/**
 * Ends a scan still awaiting upload, without a workflow: the status moves on (only from
 * awaiting_upload), the credit is refunded, the photo retention policy applies and one audit record is
 * written. Idempotent: a scan that already left awaiting_upload is untouched and the refund happens at
 * most once (a retried event or timer run finishes the follow-up work of an interrupted one).
 */
async function endBeforeStart(
  deps: Deps,
  scan: ScanDocument,
  end: { status: 'rejected' | 'cancelled'; error: ScanError; action: string },
): Promise<boolean> {
  const { db } = deps;
  const at = deps.now().toISOString();
  const ended = await db.runTransaction(async (tx) => {
    const snap = await tx.get(scanRef(db, scan.scanId));
    if (snap.data()?.status !== 'awaiting_upload') return false;
    tx.update(scanRef(db, scan.scanId), { status: end.status, error: end.error, updatedAt: at, endedAt: at });
    return true;
  });
  const current = (await scanRef(db, scan.scanId).get()).data();
  if (current?.status === end.status && current.error?.code === end.error.code) {
    // Runs again on a retried event too: the refund is guarded by the credit state.
    await refundScanCredit(db, scan.scanId, deps.now());
    if (deps.config.PHOTO_RETENTION_ON_FAILURE === 'delete' && !current.photosDeleted) {
      const container = deps.blob.getContainerClient(deps.config.SCAN_UPLOADS_CONTAINER);
      await Promise.all(Object.values(scan.photos).map((name) => container.getBlockBlobClient(name).deleteIfExists()));
      await scanRef(db, scan.scanId).update({ photosDeleted: true, updatedAt: deps.now().toISOString() });
    }
    await writeAudit(
      db,
      { scanId: scan.scanId, userId: scan.ownerId, action: end.action, outcome: end.status, actor: 'system:functions' },
      deps.now(),
    );
  }
  return ended;
}

/** A bad photo: the scan is rejected with a member-facing reason per photo, and refunded. */
export async function rejectUpload(deps: Deps, scan: ScanDocument, error: ScanError): Promise<{ rejected: boolean }> {
  return { rejected: await endBeforeStart(deps, scan, { status: 'rejected', error, action: 'upload_rejected' }) };
}

/**
 * The photos never all arrived within UPLOAD_EXPIRY_MINUTES: the scan is cancelled with the reason the
 * member reads on its status, and refunded.
 */
export async function expireUpload(deps: Deps, scan: ScanDocument): Promise<{ expired: boolean }> {
  const error: ScanError = { code: 'upload_expired', message: MEMBER_MESSAGES.upload_expired };
  return { expired: await endBeforeStart(deps, scan, { status: 'cancelled', error, action: 'upload_expired' }) };
}

export type StartOutcome =
  | { kind: 'not_found' }
  | { kind: 'missing'; scan: ScanDocument; missing: Angle[] }
  | { kind: 'rejected'; scan: ScanDocument; error: ScanError }
  | { kind: 'started'; scan: ScanDocument; status: ScanStatus }
  | { kind: 'not_pending'; scan: ScanDocument };

/**
 * Starts the scan's workflow once all four photos are present and valid. Safe to call any number of
 * times concurrently: the workflow id is the scan's and the start is idempotent; a bad photo rejects.
 */
export function startWhenReady(deps: Deps, scanId: string): Promise<StartOutcome> {
  return scanLock.run(scanId, () => startWhenReadyNow(deps, scanId));
}

async function startWhenReadyNow(deps: Deps, scanId: string): Promise<StartOutcome> {
  const snap = await scanRef(deps.db, scanId).get();
  const scan = snap.data();
  if (!scan) return { kind: 'not_found' };
  if (scan.status !== 'awaiting_upload') return { kind: 'not_pending', scan };

  const { missing, problems } = await inspectUploads(deps, scan);
  if (problems.length) {
    const error = photosRejectedError(problems);
    await rejectUpload(deps, scan, error);
    return { kind: 'rejected', scan, error };
  }
  if (missing.length) return { kind: 'missing', scan, missing };

  const client = await deps.temporal();
  await startDailyScan(client, deps.config, scan);
  const at = deps.now().toISOString();
  const status = await deps.db.runTransaction(async (tx) => {
    const s = await tx.get(scanRef(deps.db, scanId));
    const current = s.data()?.status;
    if (current === 'awaiting_upload') {
      tx.update(scanRef(deps.db, scanId), { status: 'queued', updatedAt: at });
      return 'queued' as const;
    }
    return current ?? scan.status;
  });
  // Ended (cancelled, rejected, consent revoked) between our read and the start: the run we may just have started stops.
  if (status === 'cancelled' || status === 'rejected' || status === 'failed') {
    await client.workflow
      .getHandle(scan.workflowId)
      .cancel()
      .catch(() => undefined);
  }
  return ENDED_WITHOUT_RESULTS.has(status) ? { kind: 'not_pending', scan: { ...scan, status } } : { kind: 'started', scan, status };
}

import { isBlobStatus } from '../../common/clients/blob-errors';
import { MEMBER_MESSAGES } from '../../common/contracts/failures';
import { ANGLES, type Angle, ENDED_WITHOUT_RESULTS, type ScanError, type ScanStatus } from '../../common/contracts/scan';
import type { PhotoSeals, ScanDocument } from '../../common/contracts/scan-document';
import { photoDimensionLimits, readStoredImageHeader } from '../../common/photos/limits';
import { scanRef, uploadExpiredEnding } from '../../common/scans/repository';
import { endScanWithoutResults, type ScanEnding } from '../../common/scans/scan-ending';
import { deleteScanPhotos, deleteUploads, sealContainers, sealUploads, UploadChangedError } from '../../common/scans/sealed-photos';
import { startDailyScan } from '../../common/scans/start-scan';
import type { Deps } from '../deps';
import { KeyedLock } from '../framework/keyed-lock';
import { checkPhoto, type PhotoProblem, type UploadLimits } from './photo-check';

// The one start path of a scan, shared by the upload trigger and POST /api/scans/{scanId}/submit.

/** Events of one scan are handled one at a time per process (see KeyedLock). */
export const scanLock = new KeyedLock();

export interface UploadInspection {
  missing: Angle[];
  problems: PhotoProblem[];
  /** The ETag each present photo had when it was checked: the seal copies exactly that version. */
  etags: Partial<Record<Angle, string>>;
}

/**
 * Looks at the four uploaded photos: which are missing, which fail the size, type and header checks
 * (dimensions included: read from the header, never decoded).
 */
export async function inspectUploads(deps: Deps, scan: ScanDocument): Promise<UploadInspection> {
  const container = deps.blob.getContainerClient(deps.config.SCAN_UPLOADS_CONTAINER);
  const limits = uploadLimits(deps.config);
  const results = await Promise.all(
    ANGLES.map(async (angle) => {
      const client = container.getBlockBlobClient(scan.photos[angle] ?? '');
      try {
        const props = await client.getProperties();
        const size = props.contentLength ?? 0;
        const conditions = { ifMatch: props.etag };
        const header =
          size > 0 && size <= limits.maxBytes
            ? await readStoredImageHeader(size, (bytes) => client.downloadToBuffer(0, bytes, { conditions }))
            : undefined;
        return { angle, etag: props.etag, problem: checkPhoto({ angle, contentType: props.contentType, size, header }, limits) };
      } catch (err) {
        if (isBlobStatus(err, 404)) return { angle, missing: true as const };
        // Written again between the properties and the head: checked afresh by that write's event.
        if (isBlobStatus(err, 412)) return { angle, missing: true as const };
        throw err;
      }
    }),
  );
  return {
    missing: results.filter((r) => 'missing' in r).map((r) => r.angle),
    problems: results.flatMap((r) => ('problem' in r && r.problem ? [r.problem] : [])),
    etags: Object.fromEntries(results.flatMap((r) => ('etag' in r && r.etag ? [[r.angle, r.etag]] : []))),
  };
}

function uploadLimits(config: Deps['config']): UploadLimits {
  return { maxBytes: config.MAX_PHOTO_BYTES, ...photoDimensionLimits(config) };
}

export function photosRejectedError(problems: PhotoProblem[]): ScanError {
  return {
    code: 'photos_rejected',
    message: MEMBER_MESSAGES.photos_rejected,
    details: problems.map((p) => ({ angle: p.angle, code: p.code, reason: p.reason })),
  };
}

/**
 * Ends a scan that has no workflow (still awaiting upload) through the one ending
 * (common/scans/scan-ending.ts): status, refund and audit record in one transaction, only from
 * awaiting_upload, then the photo retention policy. A crash between the two leaves the retention to the
 * reconciliation timer's sweep (finishPendingRetention); nothing is refunded twice.
 */
export async function endBeforeStart(deps: Deps, scan: ScanDocument, ending: Omit<ScanEnding, 'onlyFrom'>): Promise<boolean> {
  const { ended } = await endScanWithoutResults(deps.db, {
    ...ending,
    onlyFrom: ['awaiting_upload'],
    now: deps.now(),
    retainPhotos: () => retainPhotosBeforeStart(deps, scan),
  });
  return ended;
}

/**
 * The photo retention policy for a scan that ended without a workflow (rejected at upload, cancelled,
 * expired, consent revoked): deleted everywhere, or kept as sealed copies.
 */
export async function retainPhotosBeforeStart(deps: Deps, scan: ScanDocument): Promise<void> {
  if (deps.config.PHOTO_RETENTION_ON_FAILURE === 'keep') return keepSealed(deps, scan);
  await deleteScanPhotos(sealContainers(deps.config, deps.blob, deps.dataBlob), scan.photos);
  await scanRef(deps.db, scan.scanId).update({ photosDeleted: true, updatedAt: deps.now().toISOString() });
}

/**
 * Retention 'keep' for a scan that ended before it started: the photos that are there (oversized ones
 * excepted: never kept) move to the sealed container, so a later write to an upload URL cannot replace
 * what is kept. Write-once, so a retried event keeps the first copy.
 */
async function keepSealed(deps: Deps, scan: ScanDocument) {
  const uploads = deps.blob.getContainerClient(deps.config.SCAN_UPLOADS_CONTAINER);
  await Promise.all(
    ANGLES.filter((a) => scan.photos[a]).map(async (angle) => {
      const name = scan.photos[angle]!;
      const props = await uploads
        .getBlockBlobClient(name)
        .getProperties()
        .catch((err: unknown) => {
          if (isBlobStatus(err, 404)) return undefined;
          throw err;
        });
      if (props?.etag && (props.contentLength ?? 0) <= deps.config.MAX_PHOTO_BYTES) {
        await sealUploads(sealContainers(deps.config, deps.blob, deps.dataBlob), { [angle]: name }, { [angle]: props.etag }).catch(
          (err: unknown) => {
            if (!(err instanceof UploadChangedError)) throw err; // gone or rewritten meanwhile: nothing to keep
          },
        );
      }
    }),
  );
  await deleteUploads(deps.blob.getContainerClient(deps.config.SCAN_UPLOADS_CONTAINER), scan.photos);
}

/** A bad photo: the scan is rejected with a member-facing reason per photo, and refunded. */
export async function rejectUpload(deps: Deps, scan: ScanDocument, error: ScanError): Promise<{ rejected: boolean }> {
  const audit = { userId: scan.ownerId, action: 'upload_rejected', actor: 'system:functions' } as const;
  return { rejected: await endBeforeStart(deps, scan, { scanId: scan.scanId, status: 'rejected', error, audit }) };
}

/**
 * The photos never all arrived within UPLOAD_EXPIRY_MINUTES: the scan is cancelled with the reason the
 * member reads on its status, and refunded.
 */
export async function expireUpload(deps: Deps, scan: ScanDocument): Promise<{ expired: boolean }> {
  return { expired: await endBeforeStart(deps, scan, uploadExpiredEnding(scan)) };
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

  // The checks and the seal: an upload written again between them is checked again (bounded; its own
  // event will check it once more if the member keeps writing).
  let seals: PhotoSeals | undefined;
  for (let attempt = 0; !seals; attempt++) {
    const { missing, problems, etags } = await inspectUploads(deps, scan);
    if (problems.length) {
      const error = photosRejectedError(problems);
      await rejectUpload(deps, scan, error);
      return { kind: 'rejected', scan, error };
    }
    if (missing.length) return { kind: 'missing', scan, missing };
    try {
      seals = await sealUploads(sealContainers(deps.config, deps.blob, deps.dataBlob), scan.photos, etags);
    } catch (err) {
      if (!(err instanceof UploadChangedError) || attempt >= 2) {
        if (err instanceof UploadChangedError) return { kind: 'missing', scan, missing: [err.angle] };
        throw err;
      }
    }
  }

  // The seal is on the document before the workflow exists (its activities read it); a concurrent
  // submit's seal, recorded first, stands (the copies are write-once, so it names the same bytes).
  const sealed = await deps.db.runTransaction(async (tx) => {
    const current = (await tx.get(scanRef(deps.db, scanId))).data();
    if (current?.status !== 'awaiting_upload') return undefined;
    if (!current.sealedPhotos) tx.update(scanRef(deps.db, scanId), { sealedPhotos: seals, updatedAt: deps.now().toISOString() });
    return current.sealedPhotos ?? seals;
  });
  if (!sealed) return { kind: 'not_pending', scan: (await scanRef(deps.db, scanId).get()).data() ?? scan };

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
  // Submitted: the upload location is no longer read; anything written there from now on is a late write.
  if (status === 'queued') await deleteUploads(deps.blob.getContainerClient(deps.config.SCAN_UPLOADS_CONTAINER), scan.photos);
  // Ended (cancelled, rejected, consent revoked) between our read and the start: the run we may just have started stops.
  if (status === 'cancelled' || status === 'rejected' || status === 'failed') {
    await client.workflow
      .getHandle(scan.workflowId)
      .cancel()
      .catch(() => undefined);
  }
  return (ENDED_WITHOUT_RESULTS as readonly ScanStatus[]).includes(status)
    ? { kind: 'not_pending', scan: { ...scan, status } }
    : { kind: 'started', scan, status };
}

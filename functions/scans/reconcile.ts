import { firestoreSdk } from '../../common/clients/sdk-modules';
import { Collections, type ScanDocument, ScanDocumentSchema } from '../../common/contracts/scan-document';
import { finishRetention, scansWithPendingRetention } from '../../common/scans/scan-ending';
import type { Deps } from '../deps';
import { expireUpload, retainPhotosBeforeStart, startWhenReady } from './start-when-ready';

// The safety net under the upload trigger: a blob event can be lost (the host was down, Event Grid gave
// up and dead-lettered it), which would leave a scan in awaiting_upload forever with its credit
// reserved. The timer walks those scans: all four photos there -> started through the one start path;
// still missing after UPLOAD_EXPIRY_MINUTES -> cancelled and refunded. It also finishes the photo
// retention of scans whose ending committed but whose retention never ran (common/scans/scan-ending.ts).

/** Scans read per page; the query is an equality on status, ordered by id (single-field indexes only). */
const PAGE_SIZE = 200;
/** At most this many scans per run; the next run carries on (the timer fires every few minutes). */
const MAX_SCANS_PER_RUN = 2_000;
/** Scans this young are left to the upload trigger, which is normally still delivering their events. */
export const RECONCILE_GRACE_MS = 60_000;

export interface ReconcileReport {
  examined: number;
  started: string[];
  expired: string[];
  rejected: string[];
  waiting: number;
  /** Scans whose interrupted photo retention this run finished. */
  retained: string[];
}

export async function reconcileAwaitingUploads(deps: Deps, now: Date): Promise<ReconcileReport> {
  const report: ReconcileReport = { examined: 0, started: [], expired: [], rejected: [], waiting: 0, retained: [] };
  const expiryMs = deps.config.UPLOAD_EXPIRY_MINUTES * 60_000;
  let after: string | undefined;
  while (report.examined < MAX_SCANS_PER_RUN) {
    let query = deps.db
      .collection(Collections.scans)
      .where('status', '==', 'awaiting_upload')
      .orderBy(firestoreSdk().FieldPath.documentId())
      .limit(PAGE_SIZE);
    if (after) query = query.startAfter(after);
    const page = await query.get();
    for (const doc of page.docs) {
      report.examined++;
      const parsed = ScanDocumentSchema.safeParse(doc.data());
      if (!parsed.success) continue; // not a scan this code wrote; nothing safe to do with it
      await reconcileOne(deps, parsed.data, now, expiryMs, report);
    }
    if (page.size < PAGE_SIZE) break;
    after = page.docs[page.docs.length - 1]!.id;
  }
  report.retained = await finishPendingRetention(deps, now);
  return report;
}

/**
 * The photo retention of scans that ended without results at least RECONCILE_GRACE_MS ago and still have
 * it pending: the process that ended them stopped (or its retention failed) after the ending committed.
 * The retention before start is safe for a scan the worker ended too: its uploads are long gone, and
 * deleting or keeping its sealed copies is what the worker's own retention does.
 */
export async function finishPendingRetention(deps: Deps, now: Date): Promise<string[]> {
  const pending = await scansWithPendingRetention(deps.db, new Date(now.getTime() - RECONCILE_GRACE_MS), MAX_SCANS_PER_RUN);
  const finished: string[] = [];
  for (const scan of pending) {
    if (await finishRetention(deps.db, scan.scanId, () => retainPhotosBeforeStart(deps, scan), deps.now())) finished.push(scan.scanId);
  }
  return finished;
}

async function reconcileOne(deps: Deps, scan: ScanDocument, now: Date, expiryMs: number, report: ReconcileReport) {
  const age = now.getTime() - Date.parse(scan.createdAt);
  if (!(age >= RECONCILE_GRACE_MS)) return;
  const outcome = await startWhenReady(deps, scan.scanId);
  if (outcome.kind === 'started') report.started.push(scan.scanId);
  else if (outcome.kind === 'rejected') report.rejected.push(scan.scanId);
  else if (outcome.kind === 'missing') {
    if (age >= expiryMs && (await expireUpload(deps, scan)).expired) report.expired.push(scan.scanId);
    else report.waiting++;
  }
}

import type { Progress } from '../../common/contracts/scan';
import type { ScanDocument } from '../../common/contracts/scan-document';

/**
 * How far a live scan is, as GET /api/scans/{scanId} and its event stream report it: from the scan
 * document, which the worker's activities keep current. No workflow query, so watching a scan costs no
 * Temporal action and no worker task.
 */
export function liveProgress(scan: Pick<ScanDocument, 'status' | 'progress'>): Progress {
  if (scan.status === 'awaiting_upload') return { status: 'awaiting_upload', step: 'awaiting_upload', percent: 0 };
  return { ...(scan.progress ?? { step: scan.status, percent: 0 }), status: scan.status };
}

import type { ScanDocument } from '../../common/contracts/scan-document';
import { scanRef } from '../../common/scans/repository';
import type { Deps } from '../deps';
import { OwnerOnlyError, ScanNotFoundError } from '../errors';
import type { Principal } from '../framework/types';

/**
 * The scan when the caller may see it: its owner, or a reviewer when `reviewers` is 'read'.
 * Anyone else gets the same 404 as for a scan that does not exist (existence is not leaked).
 */
export async function loadVisibleScan(
  deps: Deps,
  scanId: string,
  who: Principal,
  reviewers: 'read' | 'none' = 'none',
): Promise<ScanDocument> {
  const snap = await scanRef(deps.db, scanId).get();
  const scan = snap.data();
  if (!scan) throw new ScanNotFoundError();
  if (scan.ownerId === who.uid) return scan;
  if (who.isReviewer && reviewers === 'read') return scan;
  if (who.isReviewer) throw new OwnerOnlyError('reviewers can read scans but only the owner can do this');
  throw new ScanNotFoundError();
}

export const statusPath = (scanId: string) => `/api/scans/${scanId}`;

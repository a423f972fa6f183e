import { deleteBlobEntirely } from '../../common/clients/blob-delete';
import { scanRef } from '../../common/scans/refs';
import { defineBlob } from '../framework/types';
import { parseUploadBlobName } from '../scans/blob-name';
import { startWhenReady } from '../scans/start-when-ready';

/**
 * Blob-created on `scan-uploads/{userId}/{scanId}/{angle}` (Event Grid in Azure, the local host's
 * container poller on Azurite). Checks the photos and starts the workflow once all four are valid; a bad
 * photo (an oversized one too) rejects the scan, refunds the credit and is removed. Names that are not
 * scan uploads are ignored; an upload whose scan is gone (erased) or is another member's is deleted
 * (leases broken, snapshots included). A write to a scan that has
 * been submitted or has ended is a late write: ignored, logged (identifiers only) and deleted; the
 * sealed copies (common/scans/sealed-photos.ts) are what is analysed, kept or deleted.
 */
export const uploadTrigger = defineBlob({
  name: 'scanUploadTrigger',
  connection: 'ScanStorage',
  source: 'EventGrid',
  container: (config) => config.SCAN_UPLOADS_CONTAINER,
  async handler(event, context, deps) {
    const parsed = parseUploadBlobName(event.name);
    if (!parsed) {
      context.log('scanUploadTrigger: ignored a blob that is not a scan upload');
      return;
    }
    const { scanId, userId, angle } = parsed;
    const scan = (await scanRef(deps.db, scanId).get()).data();
    if (scan?.ownerId !== userId) {
      // No scan of this member by this id: erased (an upload URL outlives the erasure by up to its
      // lifetime), or a path naming someone else. Nothing here is analysed or kept, so it goes.
      await deleteBlobEntirely(deps.blob.getContainerClient(deps.config.SCAN_UPLOADS_CONTAINER), event.name);
      context.log(`scanUploadTrigger: no scan ${scanId} for this owner; upload deleted`);
      return;
    }
    const outcome = await startWhenReady(deps, scanId);
    if (outcome.kind === 'not_pending') {
      // A late write: the scan was submitted (its sealed copies are what counts) or ended. Ignored, and
      // deleted so nothing the member writes after submit stays in the upload location. The log names
      // the scan and angle only, never the content.
      await deleteBlobEntirely(deps.blob.getContainerClient(deps.config.SCAN_UPLOADS_CONTAINER), event.name);
      context.log(`scanUploadTrigger: late write to scan ${scanId} ${angle} (status ${outcome.scan.status}) ignored and deleted`);
      return;
    }
    context.log(`scanUploadTrigger: scan ${scanId} ${angle} -> ${outcome.kind}`);
  },
});

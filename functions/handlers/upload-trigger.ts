import { defineBlob } from '../framework/types';
import { parseUploadBlobName } from '../scans/blob-name';
import { startWhenReady } from '../scans/start-when-ready';

/**
 * Blob-created on `scan-uploads/{userId}/{scanId}/{angle}` (Event Grid in Azure, the local host's
 * container poller on Azurite). Checks the photos and starts the workflow once all four are valid; a bad
 * photo rejects the scan and refunds the credit. Names that are not scan uploads are ignored, and so
 * are events for a scan of another owner or one that has moved on (a retried or duplicate event).
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
    const snap = await deps.db.collection('scans').doc(scanId).get();
    if (!snap.exists || snap.get('ownerId') !== userId) {
      context.log(`scanUploadTrigger: no scan ${scanId} for this owner; ignored`);
      return;
    }
    const outcome = await startWhenReady(deps, scanId);
    context.log(`scanUploadTrigger: scan ${scanId} ${angle} -> ${outcome.kind}`);
  },
});

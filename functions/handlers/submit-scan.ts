import { ScanParamsSchema, SubmitScanResponseSchema } from '../../common/contracts/api';
import { UPLOAD_CHECK_CODES } from '../../common/contracts/failures';
import { ApiProblem, photosMissing, photosRejected } from '../errors';
import { defineHttp } from '../framework/types';
import { loadVisibleScan, statusPath } from '../scans/access';
import { startWhenReady } from '../scans/start-when-ready';

export const submitScan = defineHttp({
  kind: 'http',
  name: 'submitScan',
  route: 'scans/{scanId}/submit',
  methods: ['POST'],
  auth: 'owner',
  summary: 'Start the analysis once the four photos are uploaded (the upload trigger does the same)',
  tags: ['scans'],
  params: ScanParamsSchema,
  responses: {
    202: {
      description: 'accepted; poll the status URL',
      schema: SubmitScanResponseSchema,
      headers: { Location: 'status URL', 'Retry-After': 'seconds' },
    },
    400: { description: 'invalid scan id', codes: ['validation_failed'] },
    403: { description: 'a reviewer who is not the owner', codes: ['owner_only'] },
    404: { description: 'no such scan for this caller', codes: ['scan_not_found'] },
    409: { description: 'photos still missing (named in missingPhotos)', codes: ['photos_missing'] },
    422: {
      description:
        'a photo failed the upload check (size, type, header, dimensions; nothing is decoded); the scan is rejected and the credit ' +
        `refunded, and scanError.details names each photo with one of: ${UPLOAD_CHECK_CODES.join(', ')}`,
      codes: ['photos_rejected'],
    },
  },
  async handler({ params, principal, deps, urlFor }) {
    const scan = await loadVisibleScan(deps, params.scanId, principal);
    const outcome = await startWhenReady(deps, scan.scanId);
    if (outcome.kind === 'not_found') throw new ApiProblem('scan_not_found');
    if (outcome.kind === 'missing') throw photosMissing(outcome.missing);
    if (outcome.kind === 'rejected') throw photosRejected(outcome.error);
    // Started now, started before, or already finished: the status URL tells which.
    const status = outcome.kind === 'started' ? outcome.status : outcome.scan.status;
    const statusUrl = urlFor(statusPath(scan.scanId));
    return { status: 202, body: { scanId: scan.scanId, status, statusUrl }, headers: { Location: statusUrl, 'Retry-After': '2' } };
  },
});

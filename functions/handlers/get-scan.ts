import { ScanCompletedResponseSchema, ScanParamsSchema, ScanPendingResponseSchema } from '../../common/contracts/api';
import type { Progress } from '../../common/contracts/scan';
import { progressQuery } from '../../common/contracts/workflow-messages';
import { ScanEndedProblem } from '../errors';
import { defineHttp } from '../framework/types';
import { loadVisibleScan, statusPath } from '../scans/access';
import { inspectUploads } from '../scans/start-when-ready';

const PROGRESS_QUERY_TIMEOUT_MS = 2_000;

export const getScan = defineHttp({
  kind: 'http',
  name: 'getScan',
  route: 'scans/{scanId}',
  methods: ['GET'],
  auth: 'owner',
  summary: 'Status of a scan, the way Durable Functions reports it: 202 while running, 200 with results',
  tags: ['scans'],
  params: ScanParamsSchema,
  responses: {
    200: { description: 'completed, with results', schema: ScanCompletedResponseSchema },
    202: {
      description: 'not finished; poll again after Retry-After',
      schema: ScanPendingResponseSchema,
      headers: { 'Retry-After': 'seconds', Location: 'status URL' },
    },
    400: { description: 'invalid scan id', codes: ['validation_failed'] },
    401: { description: 'no or invalid token', codes: ['unauthenticated', 'invalid_token'] },
    404: {
      description: 'no such scan for this caller: the owner sees theirs, a reviewer one waiting for review or one they decided (audited)',
      codes: ['scan_not_found'],
    },
    410: { description: 'cancelled', codes: ['cancelled'] },
    422: {
      description: 'rejected or failed, with the member-facing reason',
      codes: ['photos_rejected', 'review_rejected', 'consent_required', 'analysis_failed'],
    },
  },
  async handler({ params, principal, deps, urlFor }) {
    const scan = await loadVisibleScan(deps, params.scanId, principal, { read: 'scan' });
    const statusUrl = urlFor(statusPath(scan.scanId));
    switch (scan.status) {
      case 'completed':
        return {
          status: 200,
          body: {
            scanId: scan.scanId,
            status: 'completed',
            results: scan.results ?? {},
            createdAt: scan.createdAt,
            updatedAt: scan.updatedAt,
            endedAt: scan.endedAt,
          },
        };
      case 'rejected':
      case 'failed':
      case 'cancelled':
        throw new ScanEndedProblem(scan.status, scan.scanId, scan.error);
      case 'awaiting_upload': {
        const { missing } = await inspectUploads(deps, scan);
        const progress: Progress = { status: 'awaiting_upload', step: 'awaiting_upload', percent: 0 };
        return {
          status: 202,
          body: {
            scanId: scan.scanId,
            status: scan.status,
            progress,
            missingPhotos: missing,
            statusUrl,
            createdAt: scan.createdAt,
            updatedAt: scan.updatedAt,
          },
          headers: { 'Retry-After': '2', Location: statusUrl },
        };
      }
      default: {
        const progress = await liveProgress(await deps.temporal(), scan.workflowId).catch(() => undefined);
        const fallback: Progress = { status: scan.status, step: scan.status, percent: 0 };
        const p = progress ?? fallback;
        return {
          status: 202,
          body: { scanId: scan.scanId, status: p.status, progress: p, statusUrl, createdAt: scan.createdAt, updatedAt: scan.updatedAt },
          headers: { 'Retry-After': p.status === 'awaiting_review' ? '30' : '2', Location: statusUrl },
        };
      }
    }
  },
});

async function liveProgress(client: Awaited<ReturnType<import('../deps').Deps['temporal']>>, workflowId: string): Promise<Progress> {
  const query = client.workflow.getHandle(workflowId).query(progressQuery);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('progress query timed out')), PROGRESS_QUERY_TIMEOUT_MS);
  });
  try {
    return await Promise.race([query, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

import { ScanParamsSchema } from '../../common/contracts/api';
import {
  CreatedShareSchema,
  CreateShareRequestSchema,
  isErasedShare,
  MAX_ACTIVE_SHARES_PER_SCAN,
  MAX_SHARE_LIFETIME_DAYS,
  type Share,
  type ShareDocument,
  SharedReportParamsSchema,
  ShareListResponseSchema,
  ShareParamsSchema,
  shareState,
} from '../../common/contracts/report-shares';
import { appendAudit } from '../../common/scans/audit-log';
import { createShare, findShareByToken, listShares, revokeShare } from '../../common/scans/report-shares';
import { RefusedError } from '../../common/scans/repository';
import type { Deps } from '../deps';
import { ApiProblem, problemOf } from '../errors';
import { ProblemError } from '../framework/problem';
import { type ApiResponse, defineHttp } from '../framework/types';
import type { ReportContent } from '../report/report-content';
import { auditHealthDataRead, loadVisibleScan, readScan } from '../scans/access';
import {
  completedResults,
  REPORT_PAGE_DOC,
  REPORT_STATE_RESPONSES,
  reportOf,
  reportPageResponse,
  reportPdfDoc,
  reportPdfResponse,
} from './scan-report';

// A member's links to one report, for someone without an account (a coach). The member makes, lists and
// revokes them (owner only: a reviewer cannot share what they review); whoever holds a link opens the
// report page and PDF without signing in, sees no identity but the first name the member chose to show,
// and every opening is audited as a read by someone other than the owner (actor `share:{shareId}`).
// Making and revoking a link are audited too: they decide who else may read the member's data.

const view = (s: ShareDocument, now: Date): Share => ({
  shareId: s.shareId,
  scanId: s.scanId,
  state: shareState(s, now),
  createdAt: s.createdAt,
  expiresAt: s.expiresAt,
  ...(s.revokedAt ? { revokedAt: s.revokedAt } : {}),
  ...(s.firstName ? { firstName: s.firstName } : {}),
});

export const sharedReportPath = (token: string) => `/api/shared/${token}`;
export const SHARED_PDF_NAME = 'scan-report.pdf';

export const createReportShare = defineHttp({
  kind: 'http',
  name: 'createReportShare',
  route: 'scans/{scanId}/shares',
  methods: ['POST'],
  auth: 'owner',
  summary: `Make a link that opens this completed scan's report (page and PDF) without signing in, for 1..${MAX_SHARE_LIFETIME_DAYS} days; at most ${MAX_ACTIVE_SHARES_PER_SCAN} open links per scan`,
  tags: ['scans'],
  params: ScanParamsSchema,
  body: CreateShareRequestSchema,
  responses: {
    201: { description: 'the link; its token is shown only in this answer', schema: CreatedShareSchema, headers: { Location: 'the link' } },
    400: { description: 'invalid request', codes: ['validation_failed', 'malformed_json', 'body_required'] },
    403: { description: 'a reviewer who is not the owner', codes: ['owner_only'] },
    ...REPORT_STATE_RESPONSES,
    409: {
      description: "the scan has not completed yet, too many links, or the member's erasure is running",
      codes: ['report_not_ready', 'share_limit_reached', 'erasure_in_progress'],
    },
    413: { description: 'body too large', codes: ['payload_too_large'] },
    415: { description: 'not JSON', codes: ['unsupported_media_type'] },
  },
  async handler({ params, body, principal, deps, urlFor }) {
    const scan = await loadVisibleScan(deps, params.scanId, principal);
    completedResults(scan);
    try {
      const now = deps.now();
      const { share, token } = await createShare(deps.db, {
        scanId: scan.scanId,
        ownerId: scan.ownerId,
        lifetimeDays: body.lifetimeDays,
        firstName: body.firstName,
        now,
      });
      await appendAudit(
        deps.db,
        {
          scanId: scan.scanId,
          userId: scan.ownerId,
          action: 'share_created',
          outcome: 'created',
          actor: `member:${principal.uid}`,
          subject: { shareId: share.shareId, lifetimeDays: body.lifetimeDays },
        },
        now,
      );
      const url = urlFor(sharedReportPath(token));
      return { status: 201, body: { ...view(share, now), url, pdfUrl: `${url}/report.pdf` }, headers: { Location: url } };
    } catch (err) {
      if (err instanceof RefusedError)
        throw problemOf(err, err.code === 'erasure_in_progress' ? { detail: 'no link can be made while your erasure runs' } : {});
      throw err;
    }
  },
});

export const listReportShares = defineHttp({
  kind: 'http',
  name: 'listReportShares',
  route: 'scans/{scanId}/shares',
  methods: ['GET'],
  auth: 'owner',
  summary: "The scan's links, newest first, with their state (active, revoked, expired); never their tokens",
  tags: ['scans'],
  params: ScanParamsSchema,
  responses: {
    200: { description: 'the links', schema: ShareListResponseSchema },
    400: { description: 'invalid scan id', codes: ['validation_failed'] },
    403: { description: 'a reviewer who is not the owner', codes: ['owner_only'] },
    404: REPORT_STATE_RESPONSES[404],
  },
  async handler({ params, principal, deps }) {
    const scan = await loadVisibleScan(deps, params.scanId, principal);
    const now = deps.now();
    return { status: 200, body: { items: (await listShares(deps.db, scan.scanId)).map((s) => view(s, now)) } };
  },
});

export const revokeReportShare = defineHttp({
  kind: 'http',
  name: 'revokeReportShare',
  route: 'scans/{scanId}/shares/{shareId}',
  methods: ['DELETE'],
  auth: 'owner',
  summary: 'Revoke one link: from now on it answers 410. Idempotent',
  tags: ['scans'],
  params: ShareParamsSchema,
  responses: {
    204: { description: 'revoked (or was already)' },
    400: { description: 'invalid scan or share id', codes: ['validation_failed'] },
    403: { description: 'a reviewer who is not the owner', codes: ['owner_only'] },
    404: { description: 'no such scan for this caller, or no such link of this scan', codes: ['scan_not_found', 'share_not_found'] },
  },
  async handler({ params, principal, deps }) {
    const scan = await loadVisibleScan(deps, params.scanId, principal);
    const revoked = await revokeShare(deps.db, { scanId: scan.scanId, shareId: params.shareId, now: deps.now() });
    if (!revoked) throw new ApiProblem('share_not_found');
    if (revoked.revokedNow) {
      await appendAudit(
        deps.db,
        {
          scanId: scan.scanId,
          userId: scan.ownerId,
          action: 'share_revoked',
          outcome: 'revoked',
          actor: `member:${principal.uid}`,
          subject: { shareId: params.shareId },
        },
        deps.now(),
      );
    }
    return { status: 204 };
  },
});

/**
 * The report a token opens, with the read audited; 404 for no such link (or no link at all), 410 once it
 * is revoked, expired or its member erased. Nothing in either answer names the member or the scan.
 */
async function openShared(deps: Deps, token: string): Promise<ReportContent> {
  const share = await findShareByToken(deps.db, token);
  if (!share) throw new ApiProblem('share_not_found');
  if (isErasedShare(share) || shareState(share, deps.now()) !== 'active') throw new ApiProblem('share_gone');
  const scan = await readScan(deps, share.scanId);
  if (!scan) throw new ApiProblem('share_gone');
  try {
    completedResults(scan); // a completed scan stays completed; anything else is not shown, nor described
  } catch (err) {
    if (err instanceof ProblemError) throw new ApiProblem('share_gone');
    throw err;
  }
  await auditHealthDataRead(deps, scan, { shareId: share.shareId }, 'report', 'shared_link');
  return reportOf(deps, scan, { shared: { firstName: share.firstName } });
}

const sharedResponses = (ok: ApiResponseDoc) => ({
  200: ok,
  404: { description: 'no such link (a malformed one included)', codes: ['share_not_found'] },
  410: { description: "the link was revoked, has expired, or the member's data was erased", codes: ['share_gone'] },
});
type ApiResponseDoc = { description: string; contentType: string; headers: Record<string, string> };

/** Search engines and caches keep nothing of a shared report. */
const notIndexed = (res: ApiResponse): ApiResponse => ({ ...res, headers: { ...res.headers, 'X-Robots-Tag': 'noindex, nofollow' } });

export const getSharedReport = defineHttp({
  kind: 'http',
  name: 'getSharedReport',
  route: 'shared/{token}',
  methods: ['GET'],
  auth: 'anonymous',
  summary: 'The report page a member shared, opened by its link without signing in (each opening is audited)',
  tags: ['shared'],
  params: SharedReportParamsSchema,
  responses: sharedResponses(REPORT_PAGE_DOC),
  async handler({ params, deps }) {
    return notIndexed(reportPageResponse(await openShared(deps, params.token)));
  },
});

export const getSharedReportPdf = defineHttp({
  kind: 'http',
  name: 'getSharedReportPdf',
  route: 'shared/{token}/report.pdf',
  methods: ['GET'],
  auth: 'anonymous',
  summary: 'The same shared report as a PDF (each opening is audited)',
  tags: ['shared'],
  params: SharedReportParamsSchema,
  responses: sharedResponses(reportPdfDoc(SHARED_PDF_NAME)),
  async handler({ params, deps }) {
    return notIndexed(await reportPdfResponse(await openShared(deps, params.token), SHARED_PDF_NAME));
  },
});

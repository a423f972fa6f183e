import { memberTrend } from '../../common/body-composition/member-trend';
import { ScanParamsSchema } from '../../common/contracts/api';
import type { ScanDocument } from '../../common/contracts/scan-document';
import { type ScanResults, ScanResultsSchema } from '../../common/contracts/scan-results';
import { scanHistoryCollection } from '../../common/scans/refs';
import type { Deps } from '../deps';
import { ApiProblem, ScanEndedProblem } from '../errors';
import type { ApiResponse, Principal } from '../framework/types';
import { defineHttp } from '../framework/types';
import { type ReportAudience, type ReportContent, reportContent } from '../report/report-content';
import { REPORT_SECURITY_HEADERS, reportHtml } from '../report/report-html';
import { reportPdf } from '../report/report-pdf';
import { loadVisibleScan } from '../scans/access';

// The member's report of one completed scan, as a page and as a PDF made on demand from the same content.
// Access as for the scan: the owner, or a reviewer with a need (audited as a `report` read).

/** The trend in the report: body fat over the 90 days up to this scan. */
export const REPORT_TREND_DAYS = 90;

/**
 * The results of a completed scan; otherwise the answer GET /api/scans/{scanId} gives for its state (410 or
 * 422 for an ending without results, 409 while it runs). The one rule of what can be reported (or shared).
 */
export function completedResults(scan: ScanDocument): ScanResults {
  if (scan.status === 'rejected' || scan.status === 'failed' || scan.status === 'cancelled')
    throw new ScanEndedProblem(scan.status, scan.scanId, scan.error);
  if (scan.status !== 'completed' || !scan.results) throw new ApiProblem('report_not_ready');
  return ScanResultsSchema.parse(scan.results);
}

/** The report's content of a completed scan: its results and the body-fat trend of the 90 days up to it. */
export async function reportOf(deps: Deps, scan: ScanDocument, audience?: ReportAudience): Promise<ReportContent> {
  const results = completedResults(scan);
  const capturedMs = Date.parse(scan.measurements.capturedAt);
  const since = new Date(capturedMs - REPORT_TREND_DAYS * 86_400_000).toISOString();
  const snap = await scanHistoryCollection(deps.db, scan.ownerId).where('takenAt', '>=', since).orderBy('takenAt', 'asc').limit(2000).get();
  const history = snap.docs.map((d) => d.data());
  const trend = memberTrend({ history, metric: 'bodyFatPercent', days: REPORT_TREND_DAYS, now: new Date(capturedMs) });
  return reportContent({ ...scan, results }, trend, audience);
}

async function loadReport(deps: Deps, scanId: string, principal: Principal) {
  return reportOf(deps, await loadVisibleScan(deps, scanId, principal, { read: 'report' }));
}

/** The page's answer: the HTML with the strict CSP and its companions. */
export const reportPageResponse = (content: ReportContent): ApiResponse => ({
  status: 200,
  rawBody: new TextEncoder().encode(reportHtml(content)),
  headers: { 'Content-Type': 'text/html; charset=utf-8', ...REPORT_SECURITY_HEADERS },
});

/** The PDF's answer, as a download named `filename`. */
export const reportPdfResponse = async (content: ReportContent, filename: string): Promise<ApiResponse> => ({
  status: 200,
  rawBody: await reportPdf(content),
  headers: {
    'Content-Type': 'application/pdf',
    'Content-Disposition': `attachment; filename="${filename}"`,
    'Cache-Control': 'private, no-store',
    'X-Content-Type-Options': 'nosniff',
  },
});

/** How the page's and the PDF's 200 answers are documented (their own routes and the shared ones). */
export const REPORT_PAGE_DOC = {
  description: 'the report page',
  contentType: 'text/html',
  headers: { 'Content-Security-Policy': 'no script; the one inline stylesheet by its hash; nothing loaded; never framed' },
};
export const reportPdfDoc = (filename: string) => ({
  description: 'the report as a PDF',
  contentType: 'application/pdf',
  headers: { 'Content-Disposition': `attachment; filename="${filename}"` },
});

/** What a scan that cannot be reported answers (its report, and a link to share it), as the scan does. */
export const REPORT_STATE_RESPONSES = {
  404: { description: 'no such scan for this caller (as for GET /api/scans/{scanId})', codes: ['scan_not_found'] },
  409: { description: 'the scan has not completed yet', codes: ['report_not_ready'] },
  410: { description: 'cancelled', codes: ['cancelled'] },
  422: {
    description: 'rejected or failed, with the member-facing reason',
    codes: ['photos_rejected', 'review_rejected', 'consent_required', 'analysis_failed'],
  },
};

const responses = (ok: { description: string; contentType: string; headers: Record<string, string> }) => ({
  200: { description: ok.description, contentType: ok.contentType, headers: ok.headers },
  400: { description: 'invalid scan id', codes: ['validation_failed'] },
  ...REPORT_STATE_RESPONSES,
});

export const getScanReport = defineHttp({
  kind: 'http',
  name: 'getScanReport',
  route: 'scans/{scanId}/report',
  methods: ['GET'],
  auth: 'owner',
  summary: 'The report of a completed scan as an HTML page: figures with their ranges, changes against day-to-day variation, trend, plans',
  tags: ['scans'],
  params: ScanParamsSchema,
  responses: responses(REPORT_PAGE_DOC),
  async handler({ params, principal, deps }) {
    return reportPageResponse(await loadReport(deps, params.scanId, principal));
  },
});

export const getScanReportPdf = defineHttp({
  kind: 'http',
  name: 'getScanReportPdf',
  route: 'scans/{scanId}/report.pdf',
  methods: ['GET'],
  auth: 'owner',
  summary: 'The same report as a PDF, generated on demand',
  tags: ['scans'],
  params: ScanParamsSchema,
  responses: responses(reportPdfDoc('scan-report-{scanId}.pdf')),
  async handler({ params, principal, deps }) {
    return reportPdfResponse(await loadReport(deps, params.scanId, principal), `scan-report-${params.scanId}.pdf`);
  },
});

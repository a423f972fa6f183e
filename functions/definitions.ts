import { methodNotAllowedFunctions } from './framework/routes';
import type { AnyHttpFunction, BlobFunctionDefinition, FunctionDefinition, TimerFunctionDefinition } from './framework/types';
import { cancelScan } from './handlers/cancel-scan';
import { codecFunctions } from './handlers/codec';
import { getConsents, putConsent } from './handlers/consents';
import { createScan } from './handlers/create-scan';
import { deleteMyDevice, listMyDevices, putMyDevice } from './handlers/devices';
import { eraseMe, getErasure } from './handlers/erasure';
import { getScan } from './handlers/get-scan';
import { health } from './handlers/health';
import { listReviews } from './handlers/list-reviews';
import { listScans } from './handlers/list-scans';
import { getMemberTrend } from './handlers/member-trend';
import { nightlyArchive } from './handlers/nightly-archive';
import { openApiFunction } from './handlers/openapi';
import { reconcileUploads } from './handlers/reconcile-uploads';
import { createReportShare, getSharedReport, getSharedReportPdf, listReportShares, revokeReportShare } from './handlers/report-shares';
import { reviewConsole } from './handlers/review-console';
import { getReviewPacket, getReviewPhoto } from './handlers/review-packet';
import { reviewScan } from './handlers/review-scan';
import { scanEvents } from './handlers/scan-events';
import { getScanReport, getScanReportPdf } from './handlers/scan-report';
import { submitScan } from './handlers/submit-scan';
import { uploadTrigger } from './handlers/upload-trigger';

/**
 * THE function table: every function exactly once. functions/index.ts registers it with Azure, the local
 * host serves it, the OpenAPI document describes it.
 */
export const functions: readonly FunctionDefinition[] = [
  createScan,
  listScans,
  getScan,
  scanEvents,
  getScanReport,
  getScanReportPdf,
  createReportShare,
  listReportShares,
  revokeReportShare,
  getSharedReport,
  getSharedReportPdf,
  submitScan,
  listReviews,
  getReviewPacket,
  getReviewPhoto,
  reviewScan,
  cancelScan,
  getConsents,
  putConsent,
  listMyDevices,
  putMyDevice,
  deleteMyDevice,
  getMemberTrend,
  eraseMe,
  getErasure,
  health,
  reviewConsole,
  ...codecFunctions,
  openApiFunction(() => functions),
  uploadTrigger,
  nightlyArchive,
  reconcileUploads,
];

/** What both hosts register: the table plus the derived 405 answers for other methods on each route. */
export function registrations(): { http: AnyHttpFunction[]; blob: BlobFunctionDefinition[]; timer: TimerFunctionDefinition[] } {
  const http = functions.filter((f): f is AnyHttpFunction => f.kind === 'http');
  return {
    http: [...http, ...methodNotAllowedFunctions(functions)],
    blob: functions.filter((f): f is BlobFunctionDefinition => f.kind === 'blob'),
    timer: functions.filter((f): f is TimerFunctionDefinition => f.kind === 'timer'),
  };
}

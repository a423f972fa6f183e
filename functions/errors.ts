import type { Angle, ScanError, ScanStatus } from '../common/contracts/scan';
import { ProblemError, type ProblemFieldError } from './framework/problem';

// One class per concept the API can answer with; `code` is the stable contract, `name` the class.

export class UnauthenticatedError extends ProblemError {
  override readonly name = 'UnauthenticatedError';
  readonly code = 'unauthenticated';
  readonly status = 401;
  readonly title = 'Authentication required';
  constructor(detail = 'send a Firebase ID token as "Authorization: Bearer <token>"') {
    super(detail, { headers: { 'WWW-Authenticate': 'Bearer realm="reddyfit"' } });
  }
}

export class InvalidTokenError extends ProblemError {
  override readonly name = 'InvalidTokenError';
  readonly code = 'invalid_token';
  readonly status = 401;
  readonly title = 'Invalid or expired token';
  constructor(detail = 'the ID token could not be verified') {
    super(detail, { headers: { 'WWW-Authenticate': 'Bearer realm="reddyfit", error="invalid_token"' } });
  }
}

export class ReviewerRoleRequiredError extends ProblemError {
  override readonly name = 'ReviewerRoleRequiredError';
  readonly code = 'reviewer_role_required';
  readonly status = 403;
  readonly title = 'Reviewer role required';
}

export class OperatorRoleRequiredError extends ProblemError {
  override readonly name = 'OperatorRoleRequiredError';
  readonly code = 'operator_role_required';
  readonly status = 403;
  readonly title = 'Operator role required';
}

export class OriginNotAllowedError extends ProblemError {
  override readonly name = 'OriginNotAllowedError';
  readonly code = 'origin_not_allowed';
  readonly status = 403;
  readonly title = 'Origin not allowed';
}

export class HostNotAllowedError extends ProblemError {
  override readonly name = 'HostNotAllowedError';
  readonly code = 'host_not_allowed';
  readonly status = 421;
  readonly title = 'Misdirected request';
}

export class CodecDisabledError extends ProblemError {
  override readonly name = 'CodecDisabledError';
  readonly code = 'codec_disabled';
  readonly status = 404;
  readonly title = 'Codec endpoint not enabled';
}

export class PayloadNotDecodableError extends ProblemError {
  override readonly name = 'PayloadNotDecodableError';
  readonly code = 'payload_not_decodable';
  readonly status = 422;
  readonly title = 'Payload cannot be decoded';
}

export class WorkflowNotNamedError extends ProblemError {
  override readonly name = 'WorkflowNotNamedError';
  readonly code = 'workflow_not_named';
  readonly status = 400;
  readonly title = 'Name the workflow the payloads belong to';
}

export class WorkflowUnknownError extends ProblemError {
  override readonly name = 'WorkflowUnknownError';
  readonly code = 'workflow_unknown';
  readonly status = 404;
  readonly title = 'No such workflow of this app';
}

export class PayloadNotOfWorkflowError extends ProblemError {
  override readonly name = 'PayloadNotOfWorkflowError';
  readonly code = 'payload_not_of_workflow';
  readonly status = 422;
  readonly title = 'Payload of another workflow';
}

export class SelfReviewError extends ProblemError {
  override readonly name = 'SelfReviewError';
  readonly code = 'self_review_not_allowed';
  readonly status = 403;
  readonly title = 'A reviewer cannot review their own scan';
}

export class OwnerOnlyError extends ProblemError {
  override readonly name = 'OwnerOnlyError';
  readonly code = 'owner_only';
  readonly status = 403;
  readonly title = 'Only the owner of the scan can do this';
}

export class ConsentRequiredProblem extends ProblemError {
  override readonly name = 'ConsentRequiredProblem';
  readonly code = 'consent_required';
  readonly status = 403;
  readonly title = 'Consent required';
  constructor(detail = 'grant the scan_analysis consent before starting a scan') {
    super(detail, { extensions: { consentType: 'scan_analysis' } });
  }
}

export class NoScanCreditProblem extends ProblemError {
  override readonly name = 'NoScanCreditProblem';
  readonly code = 'no_scan_credit';
  readonly status = 402;
  readonly title = 'No scan credit left';
}

export class ValidationProblem extends ProblemError {
  override readonly name = 'ValidationProblem';
  readonly code = 'validation_failed';
  readonly status = 400;
  readonly title = 'The request is invalid';
  constructor(errors: ProblemFieldError[], detail = 'some fields are missing or invalid; see errors') {
    super(detail, { errors });
  }
}

export class MalformedJsonError extends ProblemError {
  override readonly name = 'MalformedJsonError';
  readonly code = 'malformed_json';
  readonly status = 400;
  readonly title = 'The body is not valid JSON';
}

export class BodyRequiredError extends ProblemError {
  override readonly name = 'BodyRequiredError';
  readonly code = 'body_required';
  readonly status = 400;
  readonly title = 'A JSON body is required';
}

export class MalformedUrlError extends ProblemError {
  override readonly name = 'MalformedUrlError';
  readonly code = 'malformed_url';
  readonly status = 400;
  readonly title = 'The URL cannot be decoded';
}

export class PayloadTooLargeError extends ProblemError {
  override readonly name = 'PayloadTooLargeError';
  readonly code = 'payload_too_large';
  readonly status = 413;
  readonly title = 'The body is too large';
  constructor(limit: number) {
    super(`the body may be at most ${limit} bytes`, { extensions: { maxBytes: limit } });
  }
}

export class UnsupportedMediaTypeError extends ProblemError {
  override readonly name = 'UnsupportedMediaTypeError';
  readonly code = 'unsupported_media_type';
  readonly status = 415;
  readonly title = 'Send the body as application/json';
}

export class NotFoundError extends ProblemError {
  override readonly name = 'NotFoundError';
  readonly code = 'not_found';
  readonly status = 404;
  readonly title = 'No such resource';
}

export class ErasureNotFoundError extends ProblemError {
  override readonly name = 'ErasureNotFoundError';
  readonly code = 'erasure_not_found';
  readonly status = 404;
  readonly title = 'No erasure requested';
  constructor() {
    super('you have not asked for your data to be erased');
  }
}

export class ScanNotFoundError extends ProblemError {
  override readonly name = 'ScanNotFoundError';
  readonly code = 'scan_not_found';
  readonly status = 404;
  readonly title = 'Scan not found';
  constructor() {
    super('there is no scan with this id that you can see');
  }
}

export class MethodNotAllowedError extends ProblemError {
  override readonly name = 'MethodNotAllowedError';
  readonly code = 'method_not_allowed';
  readonly status = 405;
  readonly title = 'Method not allowed';
  constructor(allowed: string[]) {
    super(`this resource accepts ${allowed.join(', ')}`, { headers: { Allow: allowed.join(', ') } });
  }
}

export class PhotosMissingError extends ProblemError {
  override readonly name = 'PhotosMissingError';
  readonly code = 'photos_missing';
  readonly status = 409;
  readonly title = 'Photos are missing';
  constructor(readonly missing: Angle[]) {
    super(`upload the ${missing.join(', ')} photo${missing.length === 1 ? '' : 's'} first`, { extensions: { missingPhotos: missing } });
  }
}

export class PhotosRejectedProblem extends ProblemError {
  override readonly name = 'PhotosRejectedProblem';
  readonly code = 'photos_rejected';
  readonly status = 422;
  readonly title = 'Some photos could not be used';
  constructor(scanError: ScanError) {
    super(scanError.message, { extensions: { scanError } });
  }
}

export class NotAwaitingReviewError extends ProblemError {
  override readonly name = 'NotAwaitingReviewError';
  readonly code = 'not_awaiting_review';
  readonly status = 409;
  readonly title = 'The scan is not waiting for a review';
}

export class ScanFinishedError extends ProblemError {
  override readonly name = 'ScanFinishedError';
  readonly code = 'scan_finished';
  readonly status = 410;
  readonly title = 'The scan has already finished';
  /** `status` is the document's, when known; a scan whose workflow is gone is finished whatever its document says. */
  constructor(status?: ScanStatus) {
    super(`the scan is ${status ?? 'finished'}; nothing can change it any more`, status ? { extensions: { scanStatus: status } } : {});
  }
}

export class IdempotencyKeyReusedProblem extends ProblemError {
  override readonly name = 'IdempotencyKeyReusedProblem';
  readonly code = 'idempotency_key_reused';
  readonly status = 422;
  readonly title = 'The Idempotency-Key was used with a different request';
}

/** The scan ended without results; the member-facing reason from the scan record is the detail. */
/** The member-facing reason a scan ended without results: the one stored on it, else one naming the status. */
export function endReason(scanStatus: 'rejected' | 'failed' | 'cancelled', error: ScanError | undefined): ScanError {
  return error ?? { code: `scan_${scanStatus}`, message: `The scan was ${scanStatus}.` };
}

export class ScanEndedProblem extends ProblemError {
  override readonly name = 'ScanEndedProblem';
  readonly code: string;
  readonly status: number;
  readonly title: string;
  constructor(scanStatus: 'rejected' | 'failed' | 'cancelled', scanId: string, error: ScanError | undefined) {
    const e = endReason(scanStatus, error);
    super(e.message, { extensions: { scanId, scanStatus, scanError: e } });
    this.code = e.code;
    this.status = scanStatus === 'cancelled' ? 410 : 422;
    this.title =
      scanStatus === 'rejected' ? 'The scan was rejected' : scanStatus === 'failed' ? 'The scan failed' : 'The scan was cancelled';
  }
}

export class ServiceUnavailableError extends ProblemError {
  override readonly name = 'ServiceUnavailableError';
  readonly code = 'service_unavailable';
  readonly status = 503;
  readonly title = 'A backing service is unavailable';
  constructor(detail = 'try again shortly') {
    super(detail, { headers: { 'Retry-After': '5' } });
  }
}

/** The app is up but its Key Vault secrets are not there yet (first deployment); which ones is in the logs only. */
export class SecretsPendingError extends ProblemError {
  override readonly name = 'SecretsPendingError';
  readonly code = 'secrets_pending';
  readonly status = 503;
  readonly title = 'Starting: configuration not complete';
  constructor(retryAfterSeconds: number) {
    super('the service is starting; try again shortly', { headers: { 'Retry-After': String(retryAfterSeconds) } });
  }
}

export class InternalError extends ProblemError {
  override readonly name = 'InternalError';
  readonly code = 'internal_error';
  readonly status = 500;
  readonly title = 'Internal error';
  constructor(invocationId: string) {
    super('the request could not be completed', { extensions: { invocationId } });
  }
}

/** The age rule (adults only, 18-100 at capturedAt); no value is echoed. */
export class AgeNotAllowedProblem extends ProblemError {
  override readonly name = 'AgeNotAllowedProblem';
  readonly code: 'age_out_of_range' | 'age_mismatch';
  readonly status = 400;
  readonly title: string;
  constructor(code: 'age_out_of_range' | 'age_mismatch') {
    super(
      code === 'age_mismatch'
        ? 'age and birthYear do not agree at capturedAt; send one of them'
        : 'scans are for adults aged 18 to 100 at capturedAt',
    );
    this.code = code;
    this.title = code === 'age_mismatch' ? 'Age and birth year disagree' : 'Age outside 18 to 100';
  }
}

export const CAPTURED_AT_CODES = ['captured_at_in_future', 'captured_at_too_old', 'captured_at_before_previous_scan'] as const;
export type CapturedAtCode = (typeof CAPTURED_AT_CODES)[number];

/** capturedAt outside the accepted window; the window is named, the value is not echoed. */
export class CapturedAtOutOfWindowProblem extends ProblemError {
  override readonly name = 'CapturedAtOutOfWindowProblem';
  readonly code: CapturedAtCode;
  readonly status = 400;
  readonly title = 'capturedAt is outside the accepted window';
  constructor(code: CapturedAtCode, detail: string) {
    super(detail);
    this.code = code;
  }
}

export class ScanInProgressProblem extends ProblemError {
  override readonly name = 'ScanInProgressProblem';
  readonly code = 'scan_in_progress';
  readonly status = 409;
  readonly title = 'Another scan is still open';
  constructor(openScanId: string) {
    super('finish or cancel the open scan before starting another', { extensions: { openScanId } });
  }
}

export class ErasureInProgressProblem extends ProblemError {
  override readonly name = 'ErasureInProgressProblem';
  readonly code = 'erasure_in_progress';
  readonly status = 409;
  readonly title = 'Your data is being erased';
  constructor(detail = 'no scan can start and no consent can change while your erasure runs (GET /api/me/erasure)') {
    super(detail);
  }
}

export class DailyScanLimitProblem extends ProblemError {
  override readonly name = 'DailyScanLimitProblem';
  readonly code = 'daily_scan_limit';
  readonly status = 429;
  readonly title = 'Daily scan limit reached';
  constructor(limit: number, retryAfterSeconds: number) {
    super(`at most ${limit} scans may be started per UTC day, cancelled ones included`, {
      headers: { 'Retry-After': String(retryAfterSeconds) },
      extensions: { dailyLimit: limit },
    });
  }
}

export class ReportNotReadyProblem extends ProblemError {
  override readonly name = 'ReportNotReadyProblem';
  readonly code = 'report_not_ready';
  readonly status = 409;
  readonly title = 'The scan has no results yet';
  constructor() {
    super('the report exists once the scan has completed; GET /api/scans/{scanId} says how far it is');
  }
}

/** A share link that does not exist, or a string that is no link: one answer, so guesses learn nothing. */
export class ShareNotFoundProblem extends ProblemError {
  override readonly name = 'ShareNotFoundProblem';
  readonly code = 'share_not_found';
  readonly status = 404;
  readonly title = 'No such link';
  constructor() {
    super('there is no report at this link');
  }
}

/** A share link that was revoked, has expired, or whose member's data was erased: one answer for all three. */
export class ShareGoneProblem extends ProblemError {
  override readonly name = 'ShareGoneProblem';
  readonly code = 'share_gone';
  readonly status = 410;
  readonly title = 'This link no longer opens the report';
  constructor() {
    super('the link was revoked or has expired; ask the member for a new one');
  }
}

export class ShareLimitProblem extends ProblemError {
  override readonly name = 'ShareLimitProblem';
  readonly code = 'share_limit_reached';
  readonly status = 409;
  readonly title = 'Too many links for this scan';
  constructor(limit: number, counted: 'active' | 'ever') {
    super(
      counted === 'active'
        ? `at most ${limit} links of one scan may be open at once; revoke one first`
        : `at most ${limit} links can ever be made for one scan`,
      { extensions: { limit } },
    );
  }
}

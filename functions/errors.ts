import type { Angle, ScanError, ScanStatus } from '../common/contracts/scan';
import type { RefusedError } from '../common/scans/repository';
import { ProblemError, type ProblemFieldError } from './framework/problem';

// Every problem the API answers with, by its stable `code`: the one home of its HTTP status, its title and
// the detail it says unless the caller says more (its `type` URI is derived from the code:
// framework/problem.ts). One class, ApiProblem, carries a code; refusals from common/ carry the same codes
// (RefusedError), so a handler turns one into the other by the code it already has (`problemOf`).

interface ProblemEntry {
  status: number;
  title: string;
  detail?: string;
  headers?: Record<string, string>;
  extensions?: Record<string, unknown>;
}

export const PROBLEMS = {
  unauthenticated: {
    status: 401,
    title: 'Authentication required',
    detail: 'send a Firebase ID token as "Authorization: Bearer <token>"',
    headers: { 'WWW-Authenticate': 'Bearer realm="reddyfit"' },
  },
  invalid_token: {
    status: 401,
    title: 'Invalid or expired token',
    detail: 'the ID token could not be verified',
    headers: { 'WWW-Authenticate': 'Bearer realm="reddyfit", error="invalid_token"' },
  },
  reviewer_role_required: { status: 403, title: 'Reviewer role required' },
  operator_role_required: { status: 403, title: 'Operator role required' },
  /** A reviewer or operator route called with a token that is not from the staff tenant (e.g. a member's account). */
  staff_sign_in_required: {
    status: 403,
    title: 'Staff sign-in required',
    detail: 'this endpoint is for staff: sign in with your staff account and its second factor',
  },
  /** A staff token signed in with a password only. */
  second_factor_required: {
    status: 403,
    title: 'Second factor required',
    detail: 'staff sign in with a second factor: sign in again and complete it',
  },
  /** The token is valid but its sign-in (`auth_time`) is older than the route accepts. */
  reauthentication_required: {
    status: 401,
    title: 'Sign in again',
    headers: { 'WWW-Authenticate': 'Bearer realm="reddyfit", error="invalid_token", error_description="sign in again"' },
  },
  /** A member's route called with a staff account's token: staff have no member data of their own. */
  member_account_required: {
    status: 403,
    title: "Member's account required",
    detail: "this endpoint is for members' own accounts, not staff accounts",
  },
  origin_not_allowed: { status: 403, title: 'Origin not allowed' },
  host_not_allowed: { status: 421, title: 'Misdirected request' },
  codec_disabled: { status: 404, title: 'Codec endpoint not enabled' },
  payload_not_decodable: { status: 422, title: 'Payload cannot be decoded' },
  workflow_not_named: { status: 400, title: 'Name the workflow the payloads belong to' },
  workflow_unknown: { status: 404, title: 'No such workflow of this app' },
  payload_not_of_workflow: { status: 422, title: 'Payload of another workflow' },
  self_review_not_allowed: { status: 403, title: 'A reviewer cannot review their own scan' },
  owner_only: { status: 403, title: 'Only the owner of the scan can do this' },
  consent_required: {
    status: 403,
    title: 'Consent required',
    detail: 'grant the scan_analysis consent before starting a scan',
    extensions: { consentType: 'scan_analysis' },
  },
  no_scan_credit: { status: 402, title: 'No scan credit left', detail: 'buy or earn a scan credit to start a scan' },
  validation_failed: { status: 400, title: 'The request is invalid', detail: 'some fields are missing or invalid; see errors' },
  malformed_json: { status: 400, title: 'The body is not valid JSON' },
  body_required: { status: 400, title: 'A JSON body is required' },
  malformed_url: { status: 400, title: 'The URL cannot be decoded' },
  payload_too_large: { status: 413, title: 'The body is too large' },
  unsupported_media_type: { status: 415, title: 'Send the body as application/json' },
  not_found: { status: 404, title: 'No such resource' },
  erasure_not_found: { status: 404, title: 'No erasure requested', detail: 'you have not asked for your data to be erased' },
  scan_not_found: { status: 404, title: 'Scan not found', detail: 'there is no scan with this id that you can see' },
  method_not_allowed: { status: 405, title: 'Method not allowed' },
  photos_missing: { status: 409, title: 'Photos are missing' },
  photos_rejected: { status: 422, title: 'Some photos could not be used' },
  not_awaiting_review: { status: 409, title: 'The scan is not waiting for a review' },
  scan_finished: { status: 410, title: 'The scan has already finished' },
  idempotency_key_reused: { status: 422, title: 'The Idempotency-Key was used with a different request' },
  service_unavailable: {
    status: 503,
    title: 'A backing service is unavailable',
    detail: 'try again shortly',
    headers: { 'Retry-After': '5' },
  },
  /** The app is up but its Key Vault secrets are not there yet (first deployment); which ones is in the logs only. */
  secrets_pending: { status: 503, title: 'Starting: configuration not complete', detail: 'the service is starting; try again shortly' },
  internal_error: { status: 500, title: 'Internal error', detail: 'the request could not be completed' },
  /** The age rule (adults only, 18-100 at capturedAt); no value is echoed. */
  age_out_of_range: { status: 400, title: 'Age outside 18 to 100', detail: 'scans are for adults aged 18 to 100 at capturedAt' },
  age_mismatch: {
    status: 400,
    title: 'Age and birth year disagree',
    detail: 'age and birthYear do not agree at capturedAt; send one of them',
  },
  /** capturedAt outside the accepted window; the window is named, the value is not echoed. */
  captured_at_in_future: { status: 400, title: 'capturedAt is outside the accepted window' },
  captured_at_too_old: { status: 400, title: 'capturedAt is outside the accepted window' },
  captured_at_before_previous_scan: {
    status: 400,
    title: 'capturedAt is outside the accepted window',
    detail: "capturedAt must be after the previous scan's",
  },
  scan_in_progress: { status: 409, title: 'Another scan is still open', detail: 'finish or cancel the open scan before starting another' },
  erasure_in_progress: {
    status: 409,
    title: 'Your data is being erased',
    detail: 'no scan can start and no consent can change while your erasure runs (GET /api/me/erasure)',
  },
  daily_scan_limit: { status: 429, title: 'Daily scan limit reached' },
  report_not_ready: {
    status: 409,
    title: 'The scan has no results yet',
    detail: 'the report exists once the scan has completed; GET /api/scans/{scanId} says how far it is',
  },
  /** A share link that does not exist, or a string that is no link: one answer, so guesses learn nothing. */
  share_not_found: { status: 404, title: 'No such link', detail: 'there is no report at this link' },
  /** A share link that was revoked, has expired, or whose member's data was erased: one answer for all three. */
  share_gone: {
    status: 410,
    title: 'This link no longer opens the report',
    detail: 'the link was revoked or has expired; ask the member for a new one',
  },
  share_limit_reached: { status: 409, title: 'Too many links for this scan' },
} as const satisfies Record<string, ProblemEntry>;

export type ProblemCode = keyof typeof PROBLEMS;

export const CAPTURED_AT_CODES = [
  'captured_at_in_future',
  'captured_at_too_old',
  'captured_at_before_previous_scan',
] as const satisfies readonly ProblemCode[];

interface ProblemOptions {
  errors?: ProblemFieldError[];
  /** Extension members (identifiers only; never health data or echoed input). */
  extensions?: Record<string, unknown>;
  headers?: Record<string, string>;
}

/** A problem of the table by its code; `detail` replaces the table's (or the title when it has none). */
export class ApiProblem<C extends ProblemCode = ProblemCode> extends ProblemError {
  override readonly name = 'ApiProblem';
  readonly status: number;
  readonly title: string;
  constructor(
    readonly code: C,
    detail?: string,
    opts: ProblemOptions = {},
  ) {
    const entry: ProblemEntry = PROBLEMS[code];
    super(detail ?? entry.detail, {
      ...opts,
      ...(entry.headers || opts.headers ? { headers: { ...entry.headers, ...opts.headers } } : {}),
      ...(entry.extensions || opts.extensions ? { extensions: { ...entry.extensions, ...opts.extensions } } : {}),
    });
    this.status = entry.status;
    this.title = entry.title;
  }
}

/** Whether `err` is the problem with `code` (e.g. the pipeline's answer while secrets are pending). */
export const isProblem = <C extends ProblemCode>(err: unknown, code: C): err is ApiProblem<C> =>
  err instanceof ApiProblem && err.code === code;

/**
 * The problem of a refusal from common/: same code (every refusal code is a row of the table, or this
 * does not compile); the table's detail, or the refusal's own message
 * where the table has none; what the refusal names (an open scan's id) as extensions.
 */
export function problemOf(refusal: RefusedError, opts: ProblemOptions & { detail?: string } = {}): ApiProblem {
  const { detail, ...rest } = opts;
  const entry: ProblemEntry = PROBLEMS[refusal.code];
  return new ApiProblem(refusal.code, detail ?? entry.detail ?? refusal.message, {
    ...rest,
    ...(refusal.extensions || rest.extensions ? { extensions: { ...refusal.extensions, ...rest.extensions } } : {}),
  });
}

// The problems whose detail or extensions are made from a value.

export const validationProblem = (errors: ProblemFieldError[]) => new ApiProblem('validation_failed', undefined, { errors });

export const payloadTooLarge = (limit: number) =>
  new ApiProblem('payload_too_large', `the body may be at most ${limit} bytes`, { extensions: { maxBytes: limit } });

export const methodNotAllowed = (allowed: string[]) =>
  new ApiProblem('method_not_allowed', `this resource accepts ${allowed.join(', ')}`, { headers: { Allow: allowed.join(', ') } });

export const photosMissing = (missing: Angle[]) =>
  new ApiProblem('photos_missing', `upload the ${missing.join(', ')} photo${missing.length === 1 ? '' : 's'} first`, {
    extensions: { missingPhotos: missing },
  });

export const photosRejected = (scanError: ScanError) => new ApiProblem('photos_rejected', scanError.message, { extensions: { scanError } });

/** `status` is the document's, when known; a scan whose workflow is gone is finished whatever its document says. */
export const scanFinished = (status?: ScanStatus) =>
  new ApiProblem(
    'scan_finished',
    `the scan is ${status ?? 'finished'}; nothing can change it any more`,
    status ? { extensions: { scanStatus: status } } : {},
  );

export const secretsPending = (retryAfterSeconds: number) =>
  new ApiProblem('secrets_pending', undefined, { headers: { 'Retry-After': String(retryAfterSeconds) } });

export const internalError = (invocationId: string) => new ApiProblem('internal_error', undefined, { extensions: { invocationId } });

/** The member-facing reason a scan ended without results: the one stored on it, else one naming the status. */
export function endReason(scanStatus: 'rejected' | 'failed' | 'cancelled', error: ScanError | undefined): ScanError {
  return error ?? { code: `scan_${scanStatus}`, message: `The scan was ${scanStatus}.` };
}

/** The scan ended without results; the member-facing reason from the scan record is the detail, its code the problem's. */
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

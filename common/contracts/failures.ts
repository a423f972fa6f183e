// Stable ApplicationFailure types. Workflows and the functions app match on these, never on messages.
/** The detail code of a photo over MAX_PHOTO_BYTES, whether the upload check or the quality activity finds it. */
export const PHOTO_TOO_LARGE = 'photo_too_large';
/**
 * The detail code of a photo whose header declares more pixels than MAX_PHOTO_PIXELS or a side longer
 * than MAX_PHOTO_LONGEST_SIDE: refused at upload, and by the quality activity before any decode.
 */
export const PHOTO_DIMENSIONS_TOO_LARGE = 'photo_dimensions_too_large';

/** Detail codes (`scanError.details[].code`) of the upload check, one per photo that fails it. */
export const UPLOAD_CHECK_CODES = [
  'empty_photo',
  PHOTO_TOO_LARGE,
  'not_an_image',
  'unsupported_content_type',
  'content_type_mismatch',
  PHOTO_DIMENSIONS_TOO_LARGE,
] as const;
export type UploadCheckCode = (typeof UPLOAD_CHECK_CODES)[number];

export const FailureType = {
  PhotosRejected: 'PhotosRejected',
  ConsentRequired: 'ConsentRequired',
  ReviewRejected: 'ReviewRejected',
  ScanNotFound: 'ScanNotFound',
  InvalidActivityInput: 'InvalidActivityInput',
  /** Model API: 429 (retried after Retry-After), 5xx or unreachable, timed out (retried with backoff). */
  ModelRateLimited: 'ModelRateLimited',
  ModelUnavailable: 'ModelUnavailable',
  ModelTimeout: 'ModelTimeout',
  /** Model API refused the request (4xx other than 429): retrying cannot fix it. */
  ModelRequestRejected: 'ModelRequestRejected',
  /** Refusal, truncation or schema violation on every one of a bounded number of tries. */
  ModelOutputInvalid: 'ModelOutputInvalid',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/** Failures that retrying cannot fix. */
export const NON_RETRYABLE_FAILURES: string[] = [
  FailureType.PhotosRejected,
  FailureType.ConsentRequired,
  FailureType.ScanNotFound,
  FailureType.InvalidActivityInput,
];

/** Member-facing wording of each way a scan can end without results. */
export const MEMBER_MESSAGES = {
  photos_rejected: 'Some photos could not be used.',
  in_review: 'A specialist is checking your scan. We will send you a notification when it is done.',
  consent_required: 'Scan analysis needs your consent. Your scan credit has been refunded.',
  review_rejected: 'We could not confirm the results of this scan. Your scan credit has been refunded; please take a new scan.',
  cancelled: 'The scan was cancelled. Your scan credit has been refunded.',
  upload_expired:
    'Your photos did not all arrive in time, so the scan was cancelled. Your scan credit has been refunded; please start a new scan.',
  failed: 'Something went wrong while analysing your scan. Your scan credit has been refunded; please try again.',
} as const;

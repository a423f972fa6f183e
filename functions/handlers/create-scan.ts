import { createHash, randomUUID } from 'node:crypto';
import { canonicalJson } from '../../common/archive/canonical-json';
import type { Config } from '../../common/config';
import {
  CreateScanRequestSchema,
  type CreateScanResponse,
  CreateScanResponseSchema,
  IdempotencyKeySchema,
} from '../../common/contracts/api';
import { ANGLES, ageRuleViolation, type ScanMeasurements } from '../../common/contracts/scan';
import { createScanWithCredit, RefusedError } from '../../common/scans/repository';
import { ApiProblem, CAPTURED_AT_CODES, problemOf, validationProblem } from '../errors';
import { KeyedLock } from '../framework/keyed-lock';
import { fieldErrorsFrom } from '../framework/problem';
import { defineHttp } from '../framework/types';
import { statusPath } from '../scans/access';
import { ACCEPTED_PHOTO_TYPES } from '../scans/upload-urls';

const memberLock = new KeyedLock();
/** Uploads that started just before their URL expired may still be finishing. */
const UPLOAD_GRACE_MS = 5 * 60_000;

export const newScanId = () => `scan_${randomUUID().replaceAll('-', '')}`;

/** The same body gives the same fingerprint whatever the key order (stored with an Idempotency-Key). */
export const requestFingerprint = (value: unknown): string => createHash('sha256').update(canonicalJson(value)).digest('hex');

/** Who may be scanned and when the photos may have been taken; nothing is read or written before this. */
function checkEligibility(m: ScanMeasurements, config: Config, now: Date): void {
  const age = ageRuleViolation(m);
  if (age) throw new ApiProblem(age);
  const captured = Date.parse(m.capturedAt);
  if (captured > now.getTime() + config.CAPTURED_AT_MAX_FUTURE_SECONDS * 1000)
    throw new ApiProblem(
      'captured_at_in_future',
      `capturedAt may be at most ${config.CAPTURED_AT_MAX_FUTURE_SECONDS} seconds in the future`,
    );
  if (captured < now.getTime() - config.CAPTURED_AT_MAX_AGE_HOURS * 3_600_000)
    throw new ApiProblem('captured_at_too_old', `capturedAt may be at most ${config.CAPTURED_AT_MAX_AGE_HOURS} hours old`);
}

const secondsToNextUtcDay = (now: Date) =>
  Math.max(1, Math.ceil((Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1) - now.getTime()) / 1000));

export const createScan = defineHttp({
  kind: 'http',
  name: 'createScan',
  route: 'scans',
  methods: ['POST'],
  auth: 'member',
  summary: 'Start a scan: checks consent, reserves one credit and returns four upload URLs',
  tags: ['scans'],
  body: CreateScanRequestSchema,
  requestHeaders: {
    'Idempotency-Key': {
      description: 'retries with the same key return the same scan and reserve nothing more',
      schema: IdempotencyKeySchema,
    },
  },
  responses: {
    201: {
      description:
        'scan created, upload the photos to the URLs; a replayed Idempotency-Key answers with its scan, with upload URLs only while that scan is awaiting upload',
      schema: CreateScanResponseSchema,
      headers: { Location: 'status URL' },
    },
    400: {
      description: 'invalid request; adults only (18-100 at capturedAt); capturedAt within the window and after the previous scan',
      codes: ['validation_failed', 'malformed_json', 'body_required', 'age_out_of_range', 'age_mismatch', ...CAPTURED_AT_CODES],
    },
    402: { description: 'no scan credit left', codes: ['no_scan_credit'] },
    403: { description: 'consent missing', codes: ['consent_required'] },
    413: { description: 'body too large', codes: ['payload_too_large'] },
    415: { description: 'not JSON', codes: ['unsupported_media_type'] },
    409: {
      description: "another scan is still open (its id in openScanId), or the member's erasure is running",
      codes: ['scan_in_progress', 'erasure_in_progress'],
    },
    422: {
      description: "Idempotency-Key reused with another body, or its record names a scan that is not the caller's",
      codes: ['idempotency_key_reused'],
    },
    429: {
      description: 'daily scan limit reached (cancelled scans count)',
      codes: ['daily_scan_limit'],
      headers: { 'Retry-After': 'seconds' },
    },
  },
  async handler({ body, principal, request, deps, urlFor }) {
    const rawKey = request.headers.get('idempotency-key');
    let idempotency: { key: string; fingerprint: string } | undefined;
    if (rawKey !== null) {
      const key = IdempotencyKeySchema.safeParse(rawKey);
      if (!key.success)
        throw validationProblem(
          fieldErrorsFrom(key.error, 'header').map((e) => ({ ...e, path: 'Idempotency-Key', pointer: '#/Idempotency-Key' })),
        );
      idempotency = { key: key.data, fingerprint: requestFingerprint(body) };
    }
    const requestedId = newScanId();
    const now = deps.now();
    const config = deps.config;
    // A replay of an earlier create answers with its scan even after the window moved on.
    if (!idempotency) checkEligibility(body, config, now);
    else {
      const age = ageRuleViolation(body);
      if (age) throw new ApiProblem(age);
    }
    const limits = {
      maxOpen: config.SCAN_MAX_OPEN_PER_MEMBER,
      dailyLimit: config.SCAN_DAILY_CREATE_LIMIT,
      uploadsExpiredBefore: new Date(now.getTime() - config.UPLOAD_URL_TTL_MINUTES * 60_000 - UPLOAD_GRACE_MS),
    };
    // The URLs below are signed at `now` after the commit; their expiry is on record in the same commit.
    const uploadUrlsValidUntil = deps.signer.expiresAt(now);
    let scan;
    try {
      const create = () =>
        createScanWithCredit(deps.db, {
          scanId: requestedId,
          userId: principal.uid,
          measurements: body,
          now,
          idempotency,
          limits,
          checkFresh: idempotency ? () => checkEligibility(body, config, now) : undefined,
          uploadUrlsValidUntil,
        });
      // One member's creates run one at a time per process: credits and keys are never raced from here.
      scan = await memberLock.run(principal.uid, create);
    } catch (err) {
      // A refusal carries its problem's code; only the daily limit adds what the request's time says.
      if (err instanceof RefusedError)
        throw err.code === 'daily_scan_limit'
          ? problemOf(err, {
              detail: `at most ${config.SCAN_DAILY_CREATE_LIMIT} scans may be started per UTC day, cancelled ones included`,
              headers: { 'Retry-After': String(secondsToNextUtcDay(now)) },
              extensions: { dailyLimit: config.SCAN_DAILY_CREATE_LIMIT },
            })
          : problemOf(err);
      throw err;
    }
    const replayed = scan.scanId !== requestedId;
    // Upload URLs only while the scan can still take photos: a replay after submit, cancel or the end
    // answers with the scan and its status, and no URL.
    const uploads = await Promise.all(
      (scan.status === 'awaiting_upload' ? ANGLES : []).map(async (angle) => {
        const signed = await deps.signer.sign(scan.photos[angle]!, now);
        // Never a URL the record does not cover: the erasure's last sweep waits only for what is recorded.
        if (signed.expiresAt > uploadUrlsValidUntil) throw new Error('an upload URL outlives its record');
        return {
          angle,
          method: 'PUT' as const,
          url: signed.url,
          headers: { 'x-ms-blob-type': 'BlockBlob', 'Content-Type': 'image/jpeg' },
          expiresAt: signed.expiresAt.toISOString(),
        };
      }),
    );
    const statusUrl = urlFor(statusPath(scan.scanId));
    const out: CreateScanResponse = {
      scanId: scan.scanId,
      status: scan.status,
      uploads,
      maxPhotoBytes: deps.config.MAX_PHOTO_BYTES,
      acceptedContentTypes: [...ACCEPTED_PHOTO_TYPES],
      statusUrl,
      submitUrl: urlFor(`${statusPath(scan.scanId)}/submit`),
    };
    return { status: 201, body: out, headers: { Location: statusUrl, ...(replayed ? { 'Idempotent-Replayed': 'true' } : {}) } };
  },
});

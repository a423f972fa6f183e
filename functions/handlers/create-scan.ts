import { createHash, randomUUID } from 'node:crypto';
import {
  CreateScanRequestSchema,
  CreateScanResponseSchema,
  IdempotencyKeySchema,
  type CreateScanResponse,
} from '../../common/contracts/api';
import { ANGLES } from '../../common/contracts/scan';
import { fieldErrorsFrom } from '../framework/problem';
import { ConsentRequiredError, createScanWithCredit, IdempotencyKeyReusedError, NoScanCreditError } from '../../common/scans/repository';
import { ConsentRequiredProblem, IdempotencyKeyReusedProblem, NoScanCreditProblem, ValidationProblem } from '../errors';
import { KeyedLock } from '../framework/keyed-lock';
import { defineHttp } from '../framework/types';
import { statusPath } from '../scans/access';
import { ACCEPTED_PHOTO_TYPES } from '../scans/upload-urls';

const memberLock = new KeyedLock();

export const newScanId = () => `scan_${randomUUID().replaceAll('-', '')}`;

/** The same body gives the same fingerprint whatever the key order. */
function fingerprint(value: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
          )
        : v;
  return createHash('sha256')
    .update(JSON.stringify(canonical(value)))
    .digest('hex');
}

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
      description: 'scan created, upload the photos to the URLs',
      schema: CreateScanResponseSchema,
      headers: { Location: 'status URL' },
    },
    400: { description: 'invalid request', codes: ['validation_failed', 'malformed_json', 'body_required'] },
    401: { description: 'no or invalid token', codes: ['unauthenticated', 'invalid_token'] },
    402: { description: 'no scan credit left', codes: ['no_scan_credit'] },
    403: { description: 'consent missing', codes: ['consent_required'] },
    413: { description: 'body too large', codes: ['payload_too_large'] },
    415: { description: 'not JSON', codes: ['unsupported_media_type'] },
    422: { description: 'Idempotency-Key reused with another body', codes: ['idempotency_key_reused'] },
  },
  async handler({ body, principal, request, deps, urlFor }) {
    const rawKey = request.headers.get('idempotency-key');
    let idempotency: { key: string; fingerprint: string } | undefined;
    if (rawKey !== null) {
      const key = IdempotencyKeySchema.safeParse(rawKey);
      if (!key.success)
        throw new ValidationProblem(
          fieldErrorsFrom(key.error, 'header').map((e) => ({ ...e, path: 'Idempotency-Key', pointer: '#/Idempotency-Key' })),
        );
      idempotency = { key: key.data, fingerprint: fingerprint(body) };
    }
    const requestedId = newScanId();
    const now = deps.now();
    let scan;
    try {
      const create = () =>
        createScanWithCredit(deps.db, { scanId: requestedId, userId: principal.uid, measurements: body, now, idempotency });
      // One member's creates run one at a time per process: credits and keys are never raced from here.
      scan = await memberLock.run(principal.uid, create);
    } catch (err) {
      if (err instanceof ConsentRequiredError) throw new ConsentRequiredProblem();
      if (err instanceof NoScanCreditError) throw new NoScanCreditProblem('buy or earn a scan credit to start a scan');
      if (err instanceof IdempotencyKeyReusedError) throw new IdempotencyKeyReusedProblem(err.message);
      throw err;
    }
    const replayed = scan.scanId !== requestedId;
    const uploads = await Promise.all(
      ANGLES.map(async (angle) => {
        const signed = await deps.signer.sign(scan.photos[angle]!, now);
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

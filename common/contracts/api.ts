import { z } from 'zod';
import { EstimateSummarySchema, TrendSchema } from './deltas';
import { AppVersionSchema, DevicePlatformSchema, FcmTokenSchema, InstallationIdSchema, LocaleSchema } from './devices';
import {
  AngleSchema,
  FINAL_STATUSES,
  ProgressSchema,
  ReviewVerdictSchema,
  ScanErrorSchema,
  ScanIdSchema,
  ScanMeasurementsRequestSchema,
  ScanStatusSchema,
} from './scan';
import { ConsentTypeSchema } from './scan-document';
import { ProvenanceSchema, ScanResultsSchema } from './scan-results';

// The HTTP API's request and response shapes. The functions app validates with them, the OpenAPI
// document is generated from them and clients (the demo, the tests, the mobile app) read them.

// ---- requests -------------------------------------------------------------------------------------

/** POST /api/scans: the member's measurements for today's scan. */
export const CreateScanRequestSchema = ScanMeasurementsRequestSchema;
export type CreateScanRequest = z.input<typeof CreateScanRequestSchema>;

export const ScanParamsSchema = z.object({ scanId: ScanIdSchema }).strict();
export const ConsentParamsSchema = z.object({ type: ConsentTypeSchema }).strict();

/**
 * Cursor of GET /api/scans: the last item's sort keys, `<createdAt in epoch ms>.<scanId>`. Every value of
 * this pattern is a valid position, so the documented pattern is exactly what the API accepts.
 */
export const CursorSchema = z
  .string()
  .regex(/^[0-9]{1,15}\.[A-Za-z0-9_-]{8,64}$/, 'expected a cursor from a previous page')
  .meta({ description: 'nextCursor of a previous page, passed unchanged' });
export const ListScansQuerySchema = z.object({
  limit: z
    .string()
    .regex(/^(?:[1-9]|[1-4][0-9]|50)$/, 'expected an integer 1..50')
    .optional()
    .meta({ description: 'page size, 1..50 (default 20)' }),
  cursor: CursorSchema.optional(),
});

/** GET /api/reviews: page size and the cursor of the previous page. */
export const ReviewQueueQuerySchema = z.object({
  limit: z
    .string()
    .regex(/^(?:[1-9]|1[0-9]|2[0-5])$/, 'expected an integer 1..25')
    .optional()
    .meta({ description: 'page size, 1..25 (default 10)' }),
  cursor: CursorSchema.optional(),
});

export const ReviewRequestSchema = z
  .object({
    decision: ReviewVerdictSchema,
    notes: z.string().max(2000).optional(),
  })
  .strict();
export type ReviewRequest = z.infer<typeof ReviewRequestSchema>;

/** `version` names the consent text the member saw (e.g. `2026-01`). */
export const ConsentVersionSchema = z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, 'expected a consent text version');
export const PutConsentRequestSchema = z
  .object({
    status: z.enum(['granted', 'revoked']),
    version: ConsentVersionSchema,
  })
  .strict();
export type PutConsentRequest = z.infer<typeof PutConsentRequestSchema>;

export const DeviceParamsSchema = z.object({ installationId: InstallationIdSchema }).strict();
/** PUT /api/me/devices/{installationId}: the installation's current FCM token and what it runs. */
export const PutDeviceRequestSchema = z
  .object({ token: FcmTokenSchema, platform: DevicePlatformSchema, appVersion: AppVersionSchema, locale: LocaleSchema })
  .strict();

/** Idempotency-Key header of POST /api/scans. */
export const IdempotencyKeySchema = z.string().regex(/^[A-Za-z0-9_.:-]{8,128}$/, 'expected 8..128 characters of A-Z a-z 0-9 _ . : -');

// ---- responses ------------------------------------------------------------------------------------

export const UploadTargetSchema = z.object({
  angle: AngleSchema,
  method: z.literal('PUT'),
  url: z.string(),
  headers: z.record(z.string(), z.string()),
  expiresAt: z.string(),
});

export const CreateScanResponseSchema = z.object({
  scanId: ScanIdSchema,
  status: ScanStatusSchema,
  uploads: z.array(UploadTargetSchema),
  maxPhotoBytes: z.number().int(),
  acceptedContentTypes: z.array(z.string()),
  statusUrl: z.string(),
  submitUrl: z.string(),
});
export type CreateScanResponse = z.infer<typeof CreateScanResponseSchema>;

export const SubmitScanResponseSchema = z.object({
  scanId: ScanIdSchema,
  status: ScanStatusSchema,
  statusUrl: z.string(),
});

/** 202 body of GET /api/scans/{scanId} while the scan is not finished. */
export const ScanPendingResponseSchema = z.object({
  scanId: ScanIdSchema,
  status: ScanStatusSchema,
  progress: ProgressSchema,
  missingPhotos: z.array(AngleSchema).optional(),
  /** While a person reviews the scan: what the member is told and when the timeout decides at the latest. */
  review: z.object({ message: z.string(), enteredReviewAt: z.string(), reviewDeadline: z.string() }).optional(),
  statusUrl: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

/** 200 body of GET /api/scans/{scanId} once completed. */
export const ScanCompletedResponseSchema = z.object({
  scanId: ScanIdSchema,
  status: z.literal('completed'),
  results: ScanResultsSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  endedAt: z.string().optional(),
});

// ---- the event stream of GET /api/scans/{scanId}/events ------------------------------------------
// Server-Sent Events; each event's `data` is one JSON object of the schema its event name says. Status,
// step names, links and the member-facing reason only: never a measurement or a result.

/** `Last-Event-ID`: the `id` of the last event received on an earlier connection (opaque; names a state of the scan). */
export const ScanEventIdSchema = z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'expected the id of an event of this stream');

/** Event `status`: where a live scan is; sent at once, then once per change. */
export const ScanStatusEventSchema = z
  .object({
    scanId: ScanIdSchema,
    status: ScanStatusSchema.exclude([...FINAL_STATUSES]),
    progress: ProgressSchema,
    /** While a person reviews the scan: what the member is told and when the timeout decides at the latest. */
    review: z.object({ message: z.string(), reviewDeadline: z.string() }).optional(),
    statusUrl: z.string(),
  })
  .meta({ id: 'ScanStatusEvent', description: 'event `status`: the state of a live scan, sent at once and on every change' });
export type ScanStatusEvent = z.infer<typeof ScanStatusEventSchema>;

/** Event `end`: how the scan ended; the stream's last event. */
export const ScanEndEventSchema = z
  .discriminatedUnion('status', [
    z.object({ scanId: ScanIdSchema, status: z.literal('completed'), resultsUrl: z.string(), reportUrl: z.string() }),
    z.object({ scanId: ScanIdSchema, status: z.enum(['rejected', 'failed', 'cancelled']), reason: ScanErrorSchema, statusUrl: z.string() }),
  ])
  .meta({
    id: 'ScanEndEvent',
    description: 'event `end`: the last event, then the server closes the stream: where the results are, or the member-facing reason',
  });
export type ScanEndEvent = z.infer<typeof ScanEndEventSchema>;

/** The event names of the stream and the shape of each one's data. */
export const SCAN_EVENT_SCHEMAS = { status: ScanStatusEventSchema, end: ScanEndEventSchema } as const;
export type ScanEventName = keyof typeof SCAN_EVENT_SCHEMAS;

export const ScanSummarySchema = z.object({
  scanId: ScanIdSchema,
  status: ScanStatusSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
  endedAt: z.string().optional(),
  statusUrl: z.string(),
});
export const ListScansResponseSchema = z.object({
  items: z.array(ScanSummarySchema),
  nextCursor: z.string().nullable(),
});

/** One point of the member's recent history (oldest first), for a chart. */
export const HistoryPointSchema = z.object({ takenAt: z.string(), bodyFatPercent: z.number(), weightKg: z.number() });

/**
 * A scan waiting for a reviewer, as the queue lists it: which scan, why, how long it has waited and its
 * deadline. No health data: what a reviewer needs to decide is in the packet, read one scan at a time.
 */
export const ReviewQueueItemSchema = z.object({
  scanId: ScanIdSchema,
  reasons: z.array(z.string()),
  enteredReviewAt: z.string(),
  reviewDeadline: z.string(),
  /** What happens at the deadline without a decision. */
  onTimeout: ReviewVerdictSchema,
  waitingSeconds: z.number().int().nonnegative(),
  secondsLeft: z.number().int().nonnegative(),
  /** The scan's review packet (GET; each opening audited). */
  packetUrl: z.string(),
});
export type ReviewQueueItem = z.infer<typeof ReviewQueueItemSchema>;
export const ReviewQueueResponseSchema = z.object({
  items: z.array(ReviewQueueItemSchema),
  nextCursor: z.string().nullable(),
});

/** GET /api/reviews/{scanId}/photos/{angle}: one sealed photo of a scan in review. */
export const ReviewPhotoParamsSchema = z.object({ scanId: ScanIdSchema, angle: AngleSchema }).strict();

/** GET /api/reviews/{scanId}: what a reviewer needs to decide on one scan (reading it is audited once). */
export const ReviewPacketSchema = ReviewQueueItemSchema.omit({ packetUrl: true }).extend({
  measurements: z.object({
    weightKg: z.number(),
    heightCm: z.number(),
    age: z.number().int(),
    sex: z.enum(['male', 'female']),
    capturedAt: z.string(),
  }),
  /** Null when the scan went to review before the estimate was kept on the scan (older scans). */
  estimate: EstimateSummarySchema.nullable(),
  deltas: TrendSchema.nullable(),
  /**
   * Which build, workflow type, prompt versions and model deployments produced the scan's output: a decided
   * scan's full record; in review, the estimate agent's (the others have not run). Null on older scans.
   */
  provenance: ProvenanceSchema.nullable(),
  history: z.array(HistoryPointSchema),
  /**
   * The sealed photos, each served by this API (GET with the reviewer's token; every read audited, never
   * cached): no storage URL is handed out.
   */
  photos: z.array(z.object({ angle: AngleSchema, url: z.string() })),
  /** Where the decision goes (POST). */
  reviewUrl: z.string(),
});
export type ReviewPacket = z.infer<typeof ReviewPacketSchema>;

export const ReviewResponseSchema = z.object({ scanId: ScanIdSchema, accepted: z.literal(true), decision: ReviewVerdictSchema });
export const CancelResponseSchema = z.object({ scanId: ScanIdSchema, status: ScanStatusSchema, statusUrl: z.string() });

export const ConsentStateSchema = z.object({
  type: ConsentTypeSchema,
  status: z.enum(['granted', 'revoked', 'not_set']),
  version: z.string().nullable(),
  revision: z.number().int(),
  updatedAt: z.string().nullable(),
});
export const ConsentListResponseSchema = z.object({ items: z.array(ConsentStateSchema) });

/** One installation as the API shows it: everything but its token. */
export const DeviceSchema = z.object({
  installationId: InstallationIdSchema,
  platform: DevicePlatformSchema,
  appVersion: AppVersionSchema,
  locale: LocaleSchema,
  registeredAt: z.string(),
  updatedAt: z.string(),
});
export const DeviceListResponseSchema = z.object({ items: z.array(DeviceSchema) });

export const HealthResponseSchema = z.object({
  status: z.enum(['ok', 'degraded', 'starting']),
  checks: z.record(z.string(), z.object({ ok: z.boolean(), latencyMs: z.number() })),
});

export const ProblemFieldErrorSchema = z.object({
  in: z.enum(['body', 'params', 'query', 'header']),
  path: z.string(),
  pointer: z.string(),
  code: z.string(),
  detail: z.string(),
});
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    instance: z.string().optional(),
    errors: z.array(ProblemFieldErrorSchema).optional(),
    // Extension members some problems carry (identifiers only); RFC 9457 allows more, so others may follow.
    scanError: ScanErrorSchema.optional(),
    missingPhotos: z.array(AngleSchema).optional(),
    scanId: ScanIdSchema.optional(),
    scanStatus: ScanStatusSchema.optional(),
    consentType: ConsentTypeSchema.optional(),
    maxBytes: z.number().int().optional(),
    invocationId: z.string().optional(),
  })
  .loose()
  .meta({ id: 'Problem', description: 'RFC 9457 problem details with a stable `code`' });

// Temporal's remote codec protocol (what the Web UI and `temporal` CLI send to a codec endpoint).
const Base64Schema = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64');
export const CodecPayloadSchema = z
  .object({ metadata: z.record(z.string().max(256), Base64Schema).default({}), data: Base64Schema.default('') })
  .meta({ id: 'CodecPayload', description: 'A Temporal payload as JSON: metadata values and data base64-encoded' });
export const CodecRequestSchema = z
  .object({ payloads: z.array(CodecPayloadSchema).max(1000) })
  .meta({ id: 'CodecRequest', description: "Temporal's remote codec protocol: payloads to encode or decode" });
/** Which workflow the payloads belong to: every call names it, so its audit record names whose data it was. */
export const CodecQuerySchema = z.object({
  workflowId: z
    .string()
    .regex(/^[A-Za-z0-9._:@-]{1,200}$/, 'expected a workflow id')
    .optional()
    .meta({ description: 'the workflow the payloads belong to (daily-scan-…, erase-member-…, archive-…); required' }),
});
export const CodecResponseSchema = z
  .object({ payloads: z.array(CodecPayloadSchema) })
  .meta({ id: 'CodecResponse', description: 'The payloads encoded or decoded, in the same order' });

/** DELETE /api/me and GET /api/me/erasure: the member's one erasure and how far it got. */
export const ErasureResponseSchema = z.object({
  status: z.enum(['running', 'completed']),
  requestedAt: z.string(),
  completedAt: z.string().nullable(),
  statusUrl: z.string(),
});

/** GET /review/config.json: what the reviewer's console needs to sign in here (no secrets: web settings only). */
export const ReviewConsoleConfigSchema = z.object({
  firebase: z.object({ apiKey: z.string(), projectId: z.string(), authDomain: z.string() }),
  /** The Firebase Auth emulator's origin, locally; absent in Azure. */
  authEmulatorUrl: z.url().optional(),
  /** The Identity Platform tenant staff sign in to (STAFF_TENANT_ID), with a second factor. */
  staffTenantId: z.string().min(1),
  apiBase: z.literal('/api'),
});
export type ReviewConsoleConfig = z.infer<typeof ReviewConsoleConfigSchema>;

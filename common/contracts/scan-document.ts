import { z } from 'zod';
import {
  AngleSchema,
  ProgressSchema,
  ScanErrorSchema,
  ScanMeasurementsSchema,
  ScanReviewStateSchema,
  ScanStatusSchema,
  UserIdSchema,
} from './scan';
import { ProvenanceSchema, ScanAnalysisSchema, ScanResultsSchema } from './scan-results';

// Firestore layout (SPEC section 5). One place names every collection.
export const Collections = {
  users: 'users',
  consents: 'consents', // users/{uid}/consents/{type}
  scanHistory: 'scanHistory', // users/{uid}/scanHistory/{scanId}
  devices: 'devices', // users/{uid}/devices/{installationId}: the member's app installations (FCM tokens)
  scans: 'scans',
  notifications: 'notifications', // scans/{scanId}/notifications/{outcome}
  auditLogs: 'auditLogs',
  idempotency: 'idempotencyKeys', // users/{uid}/idempotencyKeys/{key}
  erasures: 'erasures', // erasures/{uid}: the member's latest erasure and its progress (identifiers and counts only)
  erasureRuns: 'runs', // erasures/{uid}/runs/{sequence}: each erasure of the member, its own record
  memberKeys: 'memberKeys', // memberKeys/{uid}: the member's archive data key, wrapped; deleted on erasure
  reviewerReads: 'reviewerReads', // reviewerReads/{uid}_{hour}: a reviewer's health-data reads in one clock hour (a count only)
  reportShares: 'reportShares', // reportShares/{shareId}: a member's link to one report; only the token's hash is stored
} as const;

/** The subcollections under each document kind (the emulator cannot list them; erasure walks these). */
export const Subcollections = {
  users: [Collections.consents, Collections.scanHistory, Collections.idempotency, Collections.devices],
  scans: [Collections.notifications],
} as const;

export const CreditStateSchema = z.enum(['reserved', 'consumed', 'refunded']);

/** What a scan document records per photo when it is submitted (common/scans/sealed-photos.ts). */
export const PhotoSealSchema = z.object({
  etag: z.string().min(1),
  /** Base64 MD5 of the sealed bytes (also the sealed blob's Content-MD5). */
  md5: z.string().min(1),
  bytes: z.number().int().nonnegative(),
});
export type PhotoSeal = z.infer<typeof PhotoSealSchema>;
export const PhotoSealsSchema = z.partialRecord(AngleSchema, PhotoSealSchema);
export type PhotoSeals = z.infer<typeof PhotoSealsSchema>;

export const ScanDocumentSchema = z.object({
  scanId: z.string(),
  ownerId: UserIdSchema,
  status: ScanStatusSchema,
  measurements: ScanMeasurementsSchema,
  photos: z.record(AngleSchema, z.string()),
  credit: z.object({ state: CreditStateSchema }),
  workflowId: z.string(),
  /** Written once by persistResults; the completed response of GET /api/scans/{scanId} carries it as is. */
  results: ScanResultsSchema.optional(),
  error: ScanErrorSchema.optional(),
  /** Which build and workflow type ended a scan without results (written by the worker's endScan); a completed scan's is in results. */
  provenance: ProvenanceSchema.optional(),
  photosDeleted: z.boolean().optional(),
  /** True from the ending of a scan without results until its photo retention ran (common/scans/scan-ending.ts). */
  retentionPending: z.boolean().optional(),
  /** The sealed copies, recorded in the write that queues the scan; the analysis reads only these. */
  sealedPhotos: PhotoSealsSchema.optional(),
  /** The reviewer whose decision the workflow accepted (written by the review endpoint). */
  reviewedBy: UserIdSchema.optional(),
  /** When that decision was accepted (written with reviewedBy): the decider's access ends a set time after it. */
  reviewedAt: z.string().optional(),
  /** Written by the activity that moves the scan forward, so GET /api/scans/{scanId} reports it. */
  progress: ProgressSchema.optional(),
  /** Present once the scan entered review. */
  review: ScanReviewStateSchema.optional(),
  /** Estimate and deltas once computed (see ScanAnalysisSchema); what the reviewer queue shows. */
  analysis: ScanAnalysisSchema.optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  endedAt: z.string().optional(),
});
export type ScanDocument = z.infer<typeof ScanDocumentSchema>;

export const ConsentTypeSchema = z.enum(['scan_analysis']);
export type ConsentType = z.infer<typeof ConsentTypeSchema>;
/** users/{uid}/consents/{type}: the member's consent as last given (PUT /api/consents/{type}). */
export const ConsentDocumentSchema = z.object({
  type: ConsentTypeSchema,
  status: z.enum(['granted', 'revoked']),
  version: z.string(),
  updatedAt: z.string(),
  /** Counts the changes (1 for the first); records written before it was counted have none. */
  revision: z.number().int().positive().optional(),
});
export type ConsentDocument = z.infer<typeof ConsentDocumentSchema>;

/**
 * users/{uid}: the member's scan credits and the bookkeeping every create writes in its transaction.
 * Fields other writers add (an account system) are kept.
 */
export const UserDocumentSchema = z
  .object({
    scanCredits: z.number().optional(),
    /** The latest capturedAt of the member's scans: a new scan must be captured after it. */
    lastCapturedAt: z.string().optional(),
    /** Creates on the UTC day `day` (the daily limit; cancelled scans count). */
    scanCreates: z.object({ day: z.string(), count: z.number().int().nonnegative() }).optional(),
    /** Until when the upload URLs last handed to the member are valid (the erasure's last sweep waits for it). */
    uploadUrlsValidUntil: z.string().optional(),
  })
  .loose();
export type UserDocument = z.infer<typeof UserDocumentSchema>;

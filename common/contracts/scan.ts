import { z } from 'zod';
import { PHOTO_DIMENSIONS_TOO_LARGE, PHOTO_TOO_LARGE, UPLOAD_CHECK_CODES } from './failures';

// Contracts shared by the functions app, the worker and the tests. Pure zod: safe in workflow code.

export const TASK_QUEUE = 'body-fat-analysis-queue';
export const ANGLES = ['front', 'back', 'left', 'right'] as const;
export const AngleSchema = z.enum(ANGLES);
export type Angle = z.infer<typeof AngleSchema>;

/** Scan ids are ours (server-generated); this shape keeps them safe in paths, blob names and workflow ids. */
export const ScanIdSchema = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'expected a scan id');
export const UserIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'expected a user id');

export const workflowIdForScan = (scanId: string) => `daily-scan-${scanId}`;
export const uploadBlobName = (userId: string, scanId: string, angle: Angle) => `${userId}/${scanId}/${angle}`;

export const SexSchema = z.enum(['male', 'female']);
export const ActivityLevelSchema = z.enum(['sedentary', 'light', 'moderate', 'active', 'very_active']);
export const GoalSchema = z.enum(['lose_fat', 'maintain', 'gain_muscle']);
export const TrainingLevelSchema = z.enum(['beginner', 'intermediate', 'advanced']);

/** Adults only: the one age rule of the pipeline, in whole years at `capturedAt`. */
export const ADULT_AGE = { min: 18, max: 100 } as const;

/** Field shapes of what the member enters; who may be scanned is decided by `ageRuleViolation`. */
const MeasurementFieldsSchema = z
  .object({
    weightKg: z.number().min(25).max(350),
    heightCm: z.number().min(120).max(240),
    age: z.number().int().min(0).max(150).optional(),
    birthYear: z.number().int().min(1900).max(2100).optional(),
    sex: SexSchema,
    capturedAt: z.iso.datetime({ offset: true }),
    activityLevel: ActivityLevelSchema.default('moderate'),
    goal: GoalSchema.default('maintain'),
    trainingLevel: TrainingLevelSchema.default('beginner'),
    exerciseMinutesPerDay: z.number().int().min(0).max(600).default(30),
  })
  .strict()
  .refine((m) => m.age !== undefined || m.birthYear !== undefined, { message: 'give age or birthYear', path: ['age'] })
  // The refinement in JSON Schema terms, for the OpenAPI document.
  .meta({ anyOf: [{ required: ['age'] }, { required: ['birthYear'] }] });

export type AgeRuleViolation = 'age_out_of_range' | 'age_mismatch';

/**
 * Adults only (18–100 at `capturedAt`), whichever of age and birth year is given. A birth year alone
 * leaves the birthday unknown, so the member may be one year younger than the year difference: both
 * ends must be in range. Both given must agree (the age is the year difference or one less).
 */
export function ageRuleViolation(m: { age?: number; birthYear?: number; capturedAt: string }): AgeRuleViolation | undefined {
  const byYear = m.birthYear === undefined ? undefined : new Date(m.capturedAt).getUTCFullYear() - m.birthYear;
  if (m.age !== undefined && byYear !== undefined && m.age !== byYear && m.age !== byYear - 1) return 'age_mismatch';
  const youngest = m.age ?? byYear! - 1;
  const oldest = m.age ?? byYear!;
  return youngest < ADULT_AGE.min || oldest > ADULT_AGE.max ? 'age_out_of_range' : undefined;
}

/** The POST /api/scans body: shapes only, so the edge answers the age rule with its own codes. */
export const ScanMeasurementsRequestSchema = MeasurementFieldsSchema;

/** Measurements of a scan that exists: the age rule holds (the workflow and activities never see a minor). */
export const ScanMeasurementsSchema = MeasurementFieldsSchema.refine((m) => ageRuleViolation(m) === undefined, {
  message: 'adults only (18-100 at capturedAt); age and birthYear must agree',
  path: ['age'],
});
export type ScanMeasurements = z.infer<typeof ScanMeasurementsSchema>;

/** Age on the capture date; birth year alone gives the age reached during that year. */
export function ageAtCapture(m: Pick<ScanMeasurements, 'age' | 'birthYear' | 'capturedAt'>): number {
  if (m.age !== undefined) return m.age;
  return new Date(m.capturedAt).getUTCFullYear() - m.birthYear!;
}

export const ScanStatusSchema = z.enum([
  'awaiting_upload', // created, photos not all uploaded
  'queued', // workflow started, nothing run yet
  'running',
  'awaiting_review',
  'completed',
  'rejected', // photos or review said no; member-facing reason kept
  'failed',
  'cancelled',
]);
export type ScanStatus = z.infer<typeof ScanStatusSchema>;
/** Statuses a scan ends in: one home for the fact (workflow, activities, functions app). */
export const FINAL_STATUSES = ['completed', 'rejected', 'failed', 'cancelled'] as const satisfies readonly ScanStatus[];
export type FinalStatus = (typeof FINAL_STATUSES)[number];
/** The final statuses of a scan that ends without results (credit refunded, photo retention applied). */
export const ENDED_WITHOUT_RESULTS = ['rejected', 'failed', 'cancelled'] as const satisfies readonly FinalStatus[];
export const EndedWithoutResultsSchema = z.enum(ENDED_WITHOUT_RESULTS);
export type EndedWithoutResults = z.infer<typeof EndedWithoutResultsSchema>;

export function isFinalStatus(status: ScanStatus): status is FinalStatus {
  return (FINAL_STATUSES as readonly ScanStatus[]).includes(status);
}

// Forward-only: awaiting_upload → queued → running ⇄ awaiting_review → one final status. A start may
// skip queued (the workflow can begin before the trigger records it) and a scan may end from any live status.
const STATUS_RANK: Record<ScanStatus, number> = {
  awaiting_upload: 0,
  queued: 1,
  running: 2,
  awaiting_review: 2,
  completed: 3,
  rejected: 3,
  failed: 3,
  cancelled: 3,
};

/** Whether a scan may move from `from` to `to`; a late or backwards write is refused (and becomes a no-op). */
export function canMoveStatus(from: ScanStatus, to: ScanStatus): boolean {
  if (isFinalStatus(from) || from === to) return false;
  return STATUS_RANK[to] > STATUS_RANK[from] || (STATUS_RANK[to] === 2 && STATUS_RANK[from] === 2);
}

/** What a reviewer decides, and what the review timeout applies when no reviewer has (REVIEW_TIMEOUT_DECISION). */
export const ReviewVerdictSchema = z.enum(['approve', 'reject']);
export type ReviewVerdict = z.infer<typeof ReviewVerdictSchema>;
/** How a scan's review gate opened: a reviewer's approval or rejection, or the timeout. */
export const ReviewGateOutcomeSchema = z.enum(['approved', 'rejected', 'timed_out']);
/** What happens to a scan's sealed photos when it ends without results (PHOTO_RETENTION_ON_FAILURE). */
export const PhotoRetentionSchema = z.enum(['delete', 'keep']);

/** Why a scan waits for a human: typed, so the queue, the workflow and the results agree on the words. */
export const ReviewReasonSchema = z.enum(['low_confidence', 'implausible_change', 'model_prior_disagreement']);
export type ReviewReason = z.infer<typeof ReviewReasonSchema>;

/** What `scans/{scanId}.review` holds from the moment a scan enters review (the reviewer queue reads it). */
export const ScanReviewStateSchema = z.object({
  reasons: z.array(ReviewReasonSchema).min(1),
  enteredReviewAt: z.iso.datetime(),
  /** When the review timeout decides (REVIEW_TIMEOUT_DECISION) if no reviewer has. */
  reviewDeadline: z.iso.datetime(),
  onTimeout: ReviewVerdictSchema,
  decidedAt: z.iso.datetime().optional(),
  outcome: ReviewGateOutcomeSchema.optional(),
});
export type ScanReviewState = z.infer<typeof ScanReviewStateSchema>;

export const ReviewPolicySchema = z.object({
  timeoutSeconds: z.number().int().positive(),
  onTimeout: ReviewVerdictSchema,
  minConfidence: z.number().min(0).max(1),
});

export const DailyScanInputSchema = z.object({
  scanId: ScanIdSchema,
  userId: UserIdSchema,
  measurements: ScanMeasurementsSchema,
  photos: z.record(AngleSchema, z.string().min(1)),
  review: ReviewPolicySchema,
  photoRetentionOnFailure: PhotoRetentionSchema,
});
export type DailyScanInput = z.infer<typeof DailyScanInputSchema>;

/** Steps of a scan and the percentage reached when each begins (the workflow and its activities share them). */
export const SCAN_STEP_PERCENT = {
  queued: 0,
  consent: 5,
  quality: 15,
  estimate: 35,
  deltas: 50,
  advice: 65,
  review: 75,
  persist: 85,
  notify: 95,
  done: 100,
} as const satisfies Record<string, number>;
export type ScanStep = keyof typeof SCAN_STEP_PERCENT;

export const ProgressSchema = z.object({
  status: ScanStatusSchema,
  step: z.string(),
  percent: z.number().int().min(0).max(100),
});
export type Progress = z.infer<typeof ProgressSchema>;

/** What a reviewer decided, as the functions app has verified it (identity from the token, the scan from the URL). */
export const UnsignedReviewDecisionSchema = z.object({
  decision: ReviewVerdictSchema,
  notes: z.string().max(2000).optional(),
  reviewerId: UserIdSchema,
  reviewerRoles: z.array(z.string()),
  /** The scan it decides: a decision signed for one scan is refused by every other. */
  scanId: ScanIdSchema,
  /** One per decision, so the audit trail names each attempt. */
  decisionId: z.uuid(),
  /** When the functions app signed it; the workflow refuses one older than REVIEW_DECISION_MAX_AGE_MS. */
  signedAt: z.iso.datetime({ offset: false }),
});
/**
 * A reviewer's decision as the functions app hands it to the running workflow: signed with the review
 * signing key (HMAC-SHA256, common/scans/review-signature.ts), which only the functions app and the worker
 * hold, so write access to Temporal (even with the payload key) cannot forge one in a reviewer's name.
 */
export const ReviewDecisionSchema = UnsignedReviewDecisionSchema.extend({
  signature: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'expected a base64url HMAC-SHA256'),
});
export type UnsignedReviewDecision = z.infer<typeof UnsignedReviewDecisionSchema>;
export type ReviewDecision = z.infer<typeof ReviewDecisionSchema>;
/** How old (or how far ahead, for clock skew) a signed decision may be when the workflow receives it. */
export const REVIEW_DECISION_MAX_AGE_MS = 5 * 60_000;

/** Member-facing failure, stored on the scan; never carries health data. */
export const ScanErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  details: z
    .array(
      z.object({
        angle: AngleSchema.optional(),
        code: z.string().meta({
          description:
            "Stable code of one photo's problem. The upload check (which decodes nothing) names one of: " +
            `${UPLOAD_CHECK_CODES.join(', ')}. The quality check names ${PHOTO_DIMENSIONS_TOO_LARGE} and ${PHOTO_TOO_LARGE} ` +
            'the same way, and its own codes (missing, photos_changed, the photo assessment codes) otherwise.',
        }),
        reason: z.string().meta({ description: 'What the member reads: names the photo and what to do' }),
      }),
    )
    .optional(),
});
export type ScanError = z.infer<typeof ScanErrorSchema>;

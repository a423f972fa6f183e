import { z } from 'zod';
import { EstimateFusionSchema, EstimateMethodSchema, EstimateSummarySchema, TrendSchema } from './deltas';
import { EstimateRangesSchema, RepeatabilitySchema } from './measurement-uncertainty';
import { AngleSchema, ReviewGateOutcomeSchema, ReviewVerdictSchema } from './scan';

// What a completed scan's analysis holds: one entry per agent and the review. The worker's agents return
// these shapes, persistResults stores them as `scans/{scanId}.results`, and GET /api/scans/{scanId}
// answers with them (the OpenAPI document is generated from ScanResultsSchema). Shapes only: the
// science that fills them lives in worker/domain and worker/model. The delta agent's shapes are in
// ./deltas (the review queue shows them before results exist).

// --- how a model-backed result was made (never content) -----------------------------------------------

export const TokenUsageSchema = z.object({
  promptTokens: z.number().int().nonnegative(),
  completionTokens: z.number().int().nonnegative(),
  /** Image tokens within promptTokens, per the provider's published rule for the images as sent. */
  imageTokens: z.number().int().nonnegative(),
  totalTokens: z.number().int().nonnegative(),
});
export type TokenUsage = z.infer<typeof TokenUsageSchema>;

export const ImageProvenanceSchema = z.object({
  detail: z.enum(['low', 'high']),
  maxEdge: z.number().int().positive(),
  format: z.literal('jpeg'),
  sizes: z.array(z.object({ angle: AngleSchema, width: z.number().int(), height: z.number().int(), bytes: z.number().int() })),
});

export const ModelRunSchema = z.object({
  provider: z.enum(['azure', 'openai']),
  deployment: z.string(),
  /** The model name the API reported (Azure reports the underlying model, e.g. gpt-4o-2024-08-06). */
  model: z.string(),
  promptVersion: z.string(),
  promptSha256: z.string(),
  /** Requests made in this activity attempt (a refused, truncated or invalid answer is asked again). */
  requests: z.number().int().nonnegative(),
  usage: TokenUsageSchema,
  images: ImageProvenanceSchema.optional(),
  /** accepted: the model's answer is used; fallback: the deterministic result stands (reason says why). */
  outcome: z.enum(['accepted', 'fallback']),
  fallbackReason: z.string().optional(),
});
export type ModelRun = z.infer<typeof ModelRunSchema>;

export const ModelUsageSummarySchema = z.object({
  perAgent: z.record(z.string(), TokenUsageSchema),
  total: TokenUsageSchema,
});
export type ModelUsageSummary = z.infer<typeof ModelUsageSummarySchema>;

/** As stored: the model's accepted wording, or the deterministic wording. */
export const NarrativeSchema = z.object({ summary: z.string(), points: z.array(z.string()), source: z.enum(['model', 'deterministic']) });
export type Narrative = z.infer<typeof NarrativeSchema>;

// --- quality ------------------------------------------------------------------------------------------

export const PhotoFailureCodeSchema = z.enum([
  'unsupported_format',
  'too_small',
  'not_portrait',
  'too_blurry',
  'underexposed',
  'overexposed',
]);
export type PhotoFailureCode = z.infer<typeof PhotoFailureCodeSchema>;

export const PhotoFailureSchema = z.object({ code: PhotoFailureCodeSchema, reason: z.string().min(1) });
export type PhotoFailure = z.infer<typeof PhotoFailureSchema>;

export const PhotoAssessmentSchema = z.object({
  angle: AngleSchema,
  ok: z.boolean(),
  /** Pixels after EXIF orientation (0 when undecodable). */
  width: z.number().int().nonnegative(),
  height: z.number().int().nonnegative(),
  /** Decoder name from sharp (e.g. "jpeg"), or "unknown" when undecodable. */
  format: z.string(),
  sharpness: z.number().nonnegative(),
  darkShare: z.number().min(0).max(1),
  brightShare: z.number().min(0).max(1),
  failures: z.array(PhotoFailureSchema),
});
export type PhotoAssessment = z.infer<typeof PhotoAssessmentSchema>;

const Judgement = z.enum(['ok', 'problem']);
export const QualityJudgementSchema = z.object({
  photos: z
    .array(z.object({ angle: AngleSchema, pose: Judgement, framing: Judgement, clothing: Judgement, lighting: Judgement }))
    .min(4)
    .max(4),
});
export type QualityJudgement = z.infer<typeof QualityJudgementSchema>;

export const QualityResultSchema = z.object({
  ok: z.literal(true),
  /** deterministic: the photo checks alone; deterministic+vision: the checks and a model's judgement both passed. */
  method: z.enum(['deterministic', 'deterministic+vision']),
  photos: z.array(PhotoAssessmentSchema),
  /** With a model: its pose/framing/clothing/lighting judgement, and which blobs it saw (the estimate reuses them). */
  vision: QualityJudgementSchema.optional(),
  photoBlobs: z.record(AngleSchema, z.string()).optional(),
  model: ModelRunSchema.optional(),
});
export type QualityResult = z.infer<typeof QualityResultSchema>;

/** What checkPhotoQuality answers: a quality result, or the deterministic half of one. */
export const CheckedPhotosSchema = QualityResultSchema.extend({
  /**
   * The deterministic checks passed and the model's judgement is still to come (judgePhotoQuality), so the
   * estimate can start beside it. Only between the two activities: a stored result is a QualityResult.
   */
  judgementPending: z.literal(true).optional(),
});
export type CheckedPhotos = z.infer<typeof CheckedPhotosSchema>;

// --- estimate -----------------------------------------------------------------------------------------

export const AnthropometricEstimateSchema = z.object({
  bodyFatPercent: z.number(),
  fatMassKg: z.number().nonnegative(),
  leanMassKg: z.number().positive(),
  bmi: z.number().positive(),
  confidence: z.number().min(0).max(1),
  method: z.literal('anthropometric-prior'),
  equations: z.object({ deurenberg: z.number(), cunBae: z.number() }),
});
export type AnthropometricEstimate = z.infer<typeof AnthropometricEstimateSchema>;

export const EstimateSchema = AnthropometricEstimateSchema.extend({
  weightKg: z.number(),
  /** anthropometric-prior: equations only (no model configured); vision-fused: a vision estimate fused with the prior. */
  method: EstimateMethodSchema,
  /** With a model: both inputs of the fusion and how far apart they were. */
  fusion: EstimateFusionSchema.optional(),
  /** Reasons a person should look at this estimate before it is published (the review gate reads them). */
  reviewReasons: z.array(z.string()).optional(),
  model: ModelRunSchema.optional(),
  /** 95 % ranges from the method's published error (absent on results written before they were recorded). */
  ranges: EstimateRangesSchema.optional(),
  /** Day-to-day variation of these figures: what a later change must exceed to be more than noise. */
  repeatability: RepeatabilitySchema.optional(),
});
export type Estimate = z.infer<typeof EstimateSchema>;

// --- advice -------------------------------------------------------------------------------------------

export const InsightSchema = z.object({
  code: z.string(),
  severity: z.enum(['info', 'positive', 'attention']),
  message: z.string(),
  evidence: z.record(z.string(), z.union([z.number(), z.string(), z.boolean(), z.null()])),
});
export type Insight = z.infer<typeof InsightSchema>;
export const InsightsSchema = z.array(InsightSchema);
export type Insights = z.infer<typeof InsightsSchema>;

export const EnergyPlanSchema = z.object({
  bmrKcal: z.number().positive(),
  bmrEquation: z.enum(['katch-mcardle', 'mifflin-st-jeor']),
  activityMultiplier: z.number().positive(),
  maintenanceKcal: z.number().positive(),
  targetKcal: z.number().positive(),
  adjustmentKcal: z.number(),
  proteinG: z.number().nonnegative(),
  fatG: z.number().nonnegative(),
  carbsG: z.number().nonnegative(),
  proteinGPerKgFfm: z.number().positive(),
  notes: z.array(z.string()),
});
export type EnergyPlan = z.infer<typeof EnergyPlanSchema>;

export const SessionSchema = z.object({
  day: z.number().int().min(1).max(7),
  type: z.enum(['strength', 'cardio', 'mobility', 'rest']),
  minutes: z.number().int().nonnegative(),
  intensity: z.enum(['low', 'moderate', 'vigorous']),
  focus: z.string(),
});
export type Session = z.infer<typeof SessionSchema>;

export const WorkoutPlanSchema = z.object({
  daysPerWeek: z.number().int().min(0).max(7),
  weeklyAerobicMinutes: z.number().int().nonnegative(),
  strengthDays: z.number().int().min(0).max(7),
  sessions: z.array(SessionSchema).length(7),
  guideline: z.string(),
});
export type WorkoutPlan = z.infer<typeof WorkoutPlanSchema>;

export const HydrationPlanSchema = z.object({
  totalMl: z.number().positive(),
  fromDrinksMl: z.number().positive(),
  exerciseAddOnMl: z.number().nonnegative(),
  mlPerKg: z.number().positive(),
  efsaFloorMl: z.number().positive(),
  basis: z.enum(['weight', 'efsa-floor']),
});
export type HydrationPlan = z.infer<typeof HydrationPlanSchema>;

/** The advice agents are deterministic; with a model configured, a model may word them (see worker/model/narrative.ts). */
export const ADVICE_METHOD = 'deterministic' as const;
const AdviceMethod = z.enum([ADVICE_METHOD, 'deterministic+model-wording']);
const worded = { narrative: NarrativeSchema.optional(), model: ModelRunSchema.optional() };

export const NutritionResultSchema = EnergyPlanSchema.extend({ method: AdviceMethod, ...worded });
export const WorkoutResultSchema = WorkoutPlanSchema.extend({ method: AdviceMethod, ...worded });
export const HydrationResultSchema = HydrationPlanSchema.extend({ method: z.literal(ADVICE_METHOD) });
export const InsightsResultSchema = z.object({ findings: InsightsSchema, method: AdviceMethod, ...worded });

// --- provenance: which code, prompts and model deployments made a result -------------------------------

/** The agents whose output a result holds (the keys of ScanResultsSchema that an agent fills). */
export const AgentNameSchema = z.enum(['quality', 'estimate', 'deltas', 'insights', 'nutrition', 'workout', 'hydration']);
export type AgentName = z.infer<typeof AgentNameSchema>;

/** One agent's output: deterministic code alone, or with a model (its deployment and prompt version). */
export const AgentProvenanceSchema = z.discriminatedUnion('source', [
  z.object({ source: z.literal('deterministic') }),
  z.object({
    source: z.literal('model'),
    provider: ModelRunSchema.shape.provider,
    deployment: z.string(),
    promptVersion: z.string(),
    promptSha256: z.string(),
  }),
]);
export type AgentProvenance = z.infer<typeof AgentProvenanceSchema>;

export const ProvenanceSchema = z
  .object({
    /** The workflow type of the run (common/contracts/workflow-types.ts). */
    workflowType: z.string().min(1),
    /**
     * The worker build (WORKER_BUILD_ID: the image tag, the commit) that wrote this record. Scans are pinned
     * to the build they started on (worker Deployment Versioning), so every task of the run ran on it.
     */
    buildId: z.string().min(1),
    /** Per agent that produced output; absent on a scan that ended before its agents ran. */
    agents: z.partialRecord(AgentNameSchema, AgentProvenanceSchema),
  })
  .meta({ description: 'Which worker build, workflow type, prompt versions and model deployments produced this scan. Never content.' });
export type Provenance = z.infer<typeof ProvenanceSchema>;

/**
 * scans/{scanId}.analysis: the estimate and deltas as soon as the delta agent has them, before any review
 * gate, so a reviewer sees what they are asked to decide (results are written only after the gate), with
 * the provenance known then (build, workflow type, the estimate agent's deployment and prompt). Here, not
 * in deltas.ts, because it needs ProvenanceSchema and this file imports deltas.ts.
 */
export const ScanAnalysisSchema = z.object({
  estimate: EstimateSummarySchema,
  deltas: TrendSchema,
  at: z.string(),
  /** Absent on scans analysed before it was recorded. */
  provenance: ProvenanceSchema.optional(),
});
export type ScanAnalysis = z.infer<typeof ScanAnalysisSchema>;

// --- the whole --------------------------------------------------------------------------------------

export const ReviewOutcomeSchema = z.union([
  z.object({ required: z.literal(false) }),
  z.object({
    required: z.literal(true),
    reasons: z.array(z.string()),
    outcome: ReviewGateOutcomeSchema,
    appliedDecision: ReviewVerdictSchema,
    reviewerId: z.string().optional(),
    notes: z.string().optional(),
  }),
]);

/** What `scans/{scanId}.results` holds once a scan completes: one entry per agent, plus the review. */
export const ScanResultsSchema = z.object({
  quality: QualityResultSchema,
  estimate: EstimateSchema,
  deltas: TrendSchema,
  insights: InsightsResultSchema,
  nutrition: NutritionResultSchema,
  workout: WorkoutResultSchema,
  hydration: HydrationResultSchema,
  review: ReviewOutcomeSchema,
  /** Model tokens per agent and in total for this scan (set by persistResults; absent without a model). */
  modelUsage: ModelUsageSummarySchema.optional(),
  /** Which build, workflow type, prompts and model deployments produced it (set by persistResults; absent on results written before it existed). */
  provenance: ProvenanceSchema.optional(),
});
export type ScanResults = z.infer<typeof ScanResultsSchema>;

import { z } from 'zod';
import { UserIdSchema } from './scan';

// A member's right to erasure (DELETE /api/me): one durable workflow per member, its progress on
// erasures/{uid}. Identifiers, timestamps and counts only: the record outlives the data it erased.

export const ErasureStatusSchema = z.enum(['running', 'completed']);
export type ErasureStatus = z.infer<typeof ErasureStatusSchema>;

/** What was erased, counted (no values). */
export const ErasureCountsSchema = z.object({
  scansCancelled: z.number().int().nonnegative(),
  scansDeleted: z.number().int().nonnegative(),
  photosDeleted: z.number().int().nonnegative(),
  executionsDeleted: z.number().int().nonnegative(),
  archiveKeyDestroyed: z.boolean(),
});
export type ErasureCounts = z.infer<typeof ErasureCountsSchema>;

export const ErasureDocumentSchema = z.object({
  userId: UserIdSchema,
  status: ErasureStatusSchema,
  workflowId: z.string(),
  requestedAt: z.string(),
  completedAt: z.string().optional(),
  counts: ErasureCountsSchema.optional(),
});
export type ErasureDocument = z.infer<typeof ErasureDocumentSchema>;

/** One erasure per member: the id is derived from the member, so a retried request or a crash resumes it. */
export const workflowIdForErasure = (userId: string) => `erase-member-${userId}`;

export const EraseMemberInputSchema = z.object({ userId: UserIdSchema });
export type EraseMemberInput = z.infer<typeof EraseMemberInputSchema>;

import { z } from 'zod';
import { UserIdSchema } from './scan';

// A member's right to erasure (DELETE /api/me): one durable workflow per erasure, numbered per member
// (a member who comes back and asks again gets a new one), each with its own record on
// erasures/{uid}/runs/{sequence} and the latest on erasures/{uid}. Identifiers, timestamps and counts
// only: the records outlive the data they erased, and the latest is the tombstone the archive and the
// create paths read (common/scans/member-data.ts).

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
  /** The member's first erasure is 1; records written before erasures were numbered have none (they were the first). */
  sequence: z.number().int().positive().optional(),
});
export type ErasureDocument = z.infer<typeof ErasureDocumentSchema>;

/** The erasure's number (1 for a record written before erasures were numbered). */
export const erasureSequence = (doc: Pick<ErasureDocument, 'sequence'>) => doc.sequence ?? 1;

/**
 * One workflow per erasure: the id is derived from the member and the erasure's number, so a retried
 * request or a crash resumes that erasure, and the member's next erasure is a new one.
 */
export const workflowIdForErasure = (userId: string, sequence: number) => `erase-member-${userId}-${sequence}`;

/** `erase-member-{userId}-{sequence}`, read back from workflowIdForErasure's own format. */
const ERASURE_WORKFLOW_ID = new RegExp(`^${workflowIdForErasure('(.+)', 0).replace(/0$/, '')}\\d+$`);
/** The member an erasure's workflow id names (what lies between the prefix and the number), if it is one. */
export function memberOfErasureWorkflow(workflowId: string): string | undefined {
  const userId = ERASURE_WORKFLOW_ID.exec(workflowId)?.[1];
  return userId && UserIdSchema.safeParse(userId).success ? userId : undefined;
}

export const EraseMemberInputSchema = z.object({
  userId: UserIdSchema,
  /** Which erasure of the member this is (absent in erasures started before they were numbered). */
  sequence: z.number().int().positive().optional(),
  /**
   * When the last upload URL handed to the member before the erasure began has expired: the erasure
   * sweeps the member's upload prefix once more after it (absent in erasures started before the sweep).
   */
  sweepAfter: z.iso.datetime().optional(),
});
export type EraseMemberInput = z.infer<typeof EraseMemberInputSchema>;

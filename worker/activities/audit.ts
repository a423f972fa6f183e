import { z } from 'zod';
import { Collections } from '../../common/contracts/scan-document';
import type { ActivityDeps } from './deps';
import { parseOrFail } from './validate';

// Identifiers and outcomes only: no weights, body-fat numbers, photos or URLs.
export const AuditEntrySchema = z.object({
  scanId: z.string(),
  userId: z.string(),
  action: z.string().regex(/^[a-z_]+$/),
  outcome: z.string().regex(/^[a-z_,.-]+$/),
  actor: z.string().regex(/^(system:[a-z-]+|reviewer:[A-Za-z0-9_-]+|member:[A-Za-z0-9_-]+)$/),
});

const ALREADY_EXISTS = 6;

export function createAuditActivities({ db, now }: ActivityDeps) {
  return {
    /** Append-only: created once under a key of scan and action; a retry finds it and changes nothing. */
    async recordAudit(input: z.infer<typeof AuditEntrySchema>): Promise<void> {
      const entry = parseOrFail(AuditEntrySchema, input, 'audit entry');
      try {
        await db
          .collection(Collections.auditLogs)
          .doc(`${entry.scanId}_${entry.action}`)
          .create({ ...entry, at: now().toISOString() });
      } catch (err) {
        if ((err as { code?: number }).code !== ALREADY_EXISTS) throw err;
      }
    },
  };
}

import { AuditEntrySchema, writeAudit } from '../../common/scans/audit-log';
import type { ActivityDeps } from './deps';
import { parseOrFail } from './validate';

// Identifiers and outcomes only: no weights, body-fat numbers, photos or URLs (the shape is common's).
export const ScanAuditEntrySchema = AuditEntrySchema.required({ scanId: true });

export function createAuditActivities({ db, now }: ActivityDeps) {
  return {
    /** Append-only: created once under a key of scan and action; a retry finds it and changes nothing. */
    async recordAudit(input: { scanId: string; userId: string; action: string; outcome: string; actor: string }): Promise<void> {
      await writeAudit(db, parseOrFail(ScanAuditEntrySchema, input, 'audit entry'), now());
    },
  };
}

import { ApplicationFailure } from '@temporalio/activity';
import { z } from 'zod';
import { FailureType } from '../../common/contracts/failures';
import { AngleSchema, ScanErrorSchema, ScanStatusSchema } from '../../common/contracts/scan';
import { Collections, type ScanDocument } from '../../common/contracts/scan-document';
import { consentRef, hasConsent, refundScanCredit, scanRef } from '../../common/scans/repository';
import { deleteScanPhotos } from '../../common/scans/sealed-photos';
import { summarizeModelUsage } from '../model/provenance';
import type { ActivityDeps } from './deps';
import { ScanResultsSchema } from './results';
import { parseOrFail } from './validate';

const ScanRefSchema = z.object({ scanId: z.string(), userId: z.string() });
const FINAL = new Set(['completed', 'rejected', 'failed', 'cancelled']);

export function createScanRecordActivities({ db, blob, uploadsContainer, sealedPhotosContainer, now }: ActivityDeps) {
  return {
    /** Consent can be revoked between upload and analysis; no consent, no analysis. */
    async checkConsent(input: z.infer<typeof ScanRefSchema>): Promise<void> {
      const { userId } = parseOrFail(ScanRefSchema, input, 'consent check');
      const consent = await consentRef(db, userId, 'scan_analysis').get();
      if (!hasConsent(consent.data())) {
        throw ApplicationFailure.create({
          type: FailureType.ConsentRequired,
          message: 'scan_analysis consent is not granted',
          nonRetryable: true,
        });
      }
    },

    /** Moves a live scan's status; never moves a finished one back. */
    async setScanStatus(input: { scanId: string; status: z.infer<typeof ScanStatusSchema> }): Promise<void> {
      const { scanId, status } = parseOrFail(z.object({ scanId: z.string(), status: ScanStatusSchema }), input, 'status update');
      await db.runTransaction(async (tx) => {
        const snap = await tx.get(scanRef(db, scanId));
        if (!snap.exists)
          throw ApplicationFailure.create({ type: FailureType.ScanNotFound, message: `scan ${scanId} not found`, nonRetryable: true });
        if (FINAL.has((snap.data() as ScanDocument).status)) return;
        tx.update(scanRef(db, scanId), { status, updatedAt: now().toISOString() });
      });
    },

    /**
     * Writes the results and the member's history entry in one transaction. Running it again
     * (a retry, a restarted worker) finds the results already there and writes nothing.
     */
    async persistResults(input: {
      scanId: string;
      userId: string;
      capturedAt: string;
      results: z.input<typeof ScanResultsSchema>;
    }): Promise<{ written: boolean }> {
      const { scanId, userId, capturedAt, results } = parseOrFail(
        z.object({ scanId: z.string(), userId: z.string(), capturedAt: z.string(), results: ScanResultsSchema }),
        input,
        'results',
      );
      const history = db.collection(Collections.users).doc(userId).collection(Collections.scanHistory).doc(scanId);
      return db.runTransaction(async (tx) => {
        const snap = await tx.get(scanRef(db, scanId));
        if (!snap.exists)
          throw ApplicationFailure.create({ type: FailureType.ScanNotFound, message: `scan ${scanId} not found`, nonRetryable: true });
        if ((snap.data() as ScanDocument).results) return { written: false };
        const at = now().toISOString();
        const modelUsage = summarizeModelUsage(results);
        tx.update(scanRef(db, scanId), {
          results: modelUsage ? { ...results, modelUsage } : results,
          status: 'completed',
          'credit.state': 'consumed',
          updatedAt: at,
          endedAt: at,
        });
        tx.set(history, {
          scanId,
          takenAt: capturedAt,
          bodyFatPercent: results.estimate.bodyFatPercent,
          weightKg: results.estimate.weightKg,
          leanMassKg: results.estimate.leanMassKg,
          fatMassKg: results.estimate.fatMassKg,
          method: results.estimate.method,
        });
        return { written: true };
      });
    },

    async refundCredit(input: z.infer<typeof ScanRefSchema>): Promise<{ refunded: boolean }> {
      const { scanId } = parseOrFail(ScanRefSchema, input, 'refund');
      return refundScanCredit(db, scanId, now());
    },

    /** On failure the photos are deleted (default) or kept, as the retention policy says. */
    async applyPhotoRetention(input: {
      scanId: string;
      photos: Partial<Record<z.infer<typeof AngleSchema>, string>>;
      policy: 'delete' | 'keep';
    }): Promise<{ deleted: number }> {
      const { scanId, photos, policy } = parseOrFail(
        z.object({ scanId: z.string(), photos: z.record(AngleSchema, z.string()), policy: z.enum(['delete', 'keep']) }),
        input,
        'retention',
      );
      if (policy === 'keep') return { deleted: 0 };
      // The sealed copies and anything left at the upload location.
      const deleted = await deleteScanPhotos(blob, { uploads: uploadsContainer, sealed: sealedPhotosContainer }, photos);
      await scanRef(db, scanId).update({ photosDeleted: true, updatedAt: now().toISOString() });
      return { deleted };
    },

    /** Final state with a member-facing reason. Idempotent; a completed scan is never overwritten. */
    async markScanEnded(input: {
      scanId: string;
      status: 'rejected' | 'failed' | 'cancelled';
      error: z.infer<typeof ScanErrorSchema>;
    }): Promise<void> {
      const { scanId, status, error } = parseOrFail(
        z.object({ scanId: z.string(), status: z.enum(['rejected', 'failed', 'cancelled']), error: ScanErrorSchema }),
        input,
        'scan end',
      );
      await db.runTransaction(async (tx) => {
        const snap = await tx.get(scanRef(db, scanId));
        if (!snap.exists || (snap.data() as ScanDocument).status === 'completed') return;
        const at = now().toISOString();
        tx.update(scanRef(db, scanId), { status, error, updatedAt: at, endedAt: (snap.data() as ScanDocument).endedAt ?? at });
      });
    },
  };
}

import { z } from 'zod';
import { Collections } from '../../common/contracts/scan-document';
import type { ActivityDeps } from './deps';
import type { PushMessage } from './push/transport';
import { parseOrFail } from './validate';

const NotifyInputSchema = z.object({
  scanId: z.string(),
  userId: z.string(),
  outcome: z.enum(['completed', 'rejected', 'failed', 'cancelled']),
});

const WORDING: Record<z.infer<typeof NotifyInputSchema>['outcome'], { title: string; body: string }> = {
  completed: { title: 'Your scan results are ready', body: 'Open the app to see your analysis.' },
  rejected: { title: 'Your scan needs a retake', body: 'Open the app to see what to change.' },
  failed: { title: 'Your scan could not be completed', body: 'Your credit has been refunded. Open the app for details.' },
  cancelled: { title: 'Your scan was cancelled', body: 'Your credit has been refunded.' },
};

export function createNotifyActivities({ db, push, now }: ActivityDeps) {
  return {
    /**
     * At most one push per scan outcome: a marker document is claimed in a transaction before sending
     * and released if the send fails, so a retry after a failed send tries again and a retry after a
     * successful one does not send twice.
     */
    async notifyMember(input: z.infer<typeof NotifyInputSchema>): Promise<{ sent: boolean }> {
      const { scanId, userId, outcome } = parseOrFail(NotifyInputSchema, input, 'notification');
      const marker = db.collection(Collections.scans).doc(scanId).collection(Collections.notifications).doc(outcome);
      const claimed = await db.runTransaction(async (tx) => {
        if ((await tx.get(marker)).exists) return false;
        tx.create(marker, { state: 'sending', transport: push.kind, claimedAt: now().toISOString() });
        return true;
      });
      if (!claimed) return { sent: false };
      const message: PushMessage = {
        userId,
        ...WORDING[outcome],
        data: { type: `scan_${outcome}`, scanId },
        collapseKey: `scan-${scanId}-${outcome}`,
      };
      try {
        const { delivered } = await push.send(message);
        await marker.update({ state: 'sent', delivered, sentAt: now().toISOString() });
        return { sent: true };
      } catch (err) {
        await marker.delete();
        throw err;
      }
    },
  };
}

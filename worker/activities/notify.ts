import { ApplicationFailure } from '@temporalio/activity';
import { z } from 'zod';
import { documentConverter } from '../../common/clients/firestore-documents';
import { Collections } from '../../common/contracts/scan-document';
import { prepareAudits } from '../../common/scans/audit-log';
import type { ActivityDeps } from './deps';
import { type PushMessage, PushNotAccepted } from './push/transport';
import { activityOccurrence, WORKER } from './scan-progress';
import { parseOrFail } from './validate';

const NotifyInputSchema = z.object({
  scanId: z.string(),
  userId: z.string(),
  outcome: z.enum(['completed', 'rejected', 'failed', 'cancelled', 'in_review']),
});
type PushOutcome = z.infer<typeof NotifyInputSchema>['outcome'];

// No health data: the push says only that something happened to which scan.
const WORDING: Record<PushOutcome, { title: string; body: string }> = {
  completed: { title: 'Your scan results are ready', body: 'Open the app to see your analysis.' },
  rejected: { title: 'Your scan needs a retake', body: 'Open the app to see what to change.' },
  failed: { title: 'Your scan could not be completed', body: 'Your credit has been refunded. Open the app for details.' },
  cancelled: { title: 'Your scan was cancelled', body: 'Your credit has been refunded.' },
  in_review: { title: 'Your scan is being reviewed', body: 'A specialist is checking your scan. We will tell you when it is done.' },
};

/**
 * How long a claimed send ("sending") belongs to the attempt that claimed it. Shorter than the notify
 * activity's start-to-close timeout (30 s), so the retry that follows a worker killed mid-send finds the
 * lease expired and sends again; the idempotency/collapse key makes that repeat collapse at the receiver.
 */
export const PUSH_SEND_LEASE_MS = 20_000;
export const PushInFlight = 'PushInFlight';
/** Some recipients have not taken the push yet (FCM 429/5xx): retried, after the provider's Retry-After. */
export const PushRetryLater = 'PushRetryLater';

/** scans/{scanId}/notifications/{outcome}: the one push of an outcome, claimed ("sending") then "sent". */
const PushMarkerSchema = z
  .object({
    state: z.enum(['sending', 'sent']),
    transport: z.string(),
    attempts: z.number().int().positive(),
    claimedAt: z.string(),
    leaseUntil: z.string(),
    delivered: z.number().int().nonnegative().optional(),
    sentAt: z.string().optional(),
    /** Recipients (FCM: installation ids) an earlier attempt reached: a retry does not send to them again. */
    acceptedBy: z.array(z.string()).optional(),
  })
  .loose();
const pushMarkerConverter = documentConverter(PushMarkerSchema);

export const pushMarkerRef = (db: ActivityDeps['db'], scanId: string, outcome: PushOutcome) =>
  db.collection(Collections.scans).doc(scanId).collection(Collections.notifications).doc(outcome).withConverter(pushMarkerConverter);

export function createNotifyActivities({ db, push, now }: ActivityDeps) {
  return {
    /**
     * Exactly one push per scan outcome from the member's point of view. The marker moves to "sent" only
     * after the provider accepted the message; a "sending" marker whose lease expired (a worker died
     * mid-send) is claimed again and the message resent with the same idempotency/collapse key, which the
     * webhook receiver and FCM devices collapse. A live lease makes this attempt retry later instead of
     * sending twice at once. When only some recipients took it (FCM answered 429 or 503 for the others), the
     * marker keeps the ones that did and the retry sends to the rest. The audit record is written with the
     * "sent" marker, in one transaction.
     */
    async notifyMember(input: z.infer<typeof NotifyInputSchema>): Promise<{ sent: boolean; delivered?: number }> {
      const { scanId, userId, outcome } = parseOrFail(NotifyInputSchema, input, 'notification');
      const marker = pushMarkerRef(db, scanId, outcome);
      const claim = await db.runTransaction(async (tx) => {
        const data = (await tx.get(marker)).data();
        if (data?.state === 'sent') return { state: 'already_sent' as const };
        if (data?.state === 'sending' && Date.parse(data.leaseUntil) > now().getTime()) return { state: 'leased' as const };
        const at = now();
        const acceptedBy = data?.acceptedBy ?? [];
        tx.set(marker, {
          state: 'sending',
          transport: push.kind,
          attempts: (data?.attempts ?? 0) + 1,
          acceptedBy,
          claimedAt: at.toISOString(),
          leaseUntil: new Date(at.getTime() + PUSH_SEND_LEASE_MS).toISOString(),
        });
        return { state: 'claimed' as const, acceptedBy };
      });
      if (claim.state === 'already_sent') return { sent: false };
      if (claim.state === 'leased') {
        throw ApplicationFailure.create({ type: PushInFlight, message: 'another attempt holds the push lease', nonRetryable: false });
      }
      const message: PushMessage = {
        userId,
        ...WORDING[outcome],
        data: { type: `scan_${outcome}`, scanId },
        collapseKey: `scan-${scanId}-${outcome}`,
      };
      let delivered: number;
      try {
        delivered = claim.acceptedBy.length + (await push.send(message, claim.acceptedBy)).delivered;
      } catch (err) {
        // Not (all) accepted: release the claim so the next attempt sends at once, to whom has not taken it.
        const acceptedBy = err instanceof PushNotAccepted ? [...new Set([...claim.acceptedBy, ...err.acceptedBy])] : claim.acceptedBy;
        await marker.update({ leaseUntil: now().toISOString(), acceptedBy });
        if (err instanceof PushNotAccepted) {
          throw ApplicationFailure.create({
            type: PushRetryLater,
            message: err.message,
            nonRetryable: false,
            ...(err.retryAfterMs ? { nextRetryDelay: err.retryAfterMs } : {}),
          });
        }
        throw err;
      }
      const action = outcome === 'in_review' ? 'member_told_in_review' : 'member_notified';
      await db.runTransaction(async (tx) => {
        // What really happened: the transport and whether any device got it (FCM with no token: 0).
        const delivery = delivered > 0 ? `sent.${push.kind}` : `no_device.${push.kind}`;
        const entry = { scanId, userId, action, outcome: delivery, actor: WORKER };
        // A new record, never an overwrite; a retry of this execution finds its own.
        const writeAudits = await prepareAudits(tx, db, [entry], activityOccurrence());
        const at = now();
        tx.update(marker, { state: 'sent', delivered, sentAt: at.toISOString() });
        writeAudits(at);
      });
      return { sent: true, delivered };
    },
  };
}

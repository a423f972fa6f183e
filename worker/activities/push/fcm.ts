import type { Firestore } from 'firebase-admin/firestore';
import type { Messaging, SendResponse } from 'firebase-admin/messaging';
import { listDevices, removeDeadToken } from '../../../common/devices/repository';
import { type PushMessage, PushNotAccepted, type PushTransport } from './transport';

type SendError = NonNullable<SendResponse['error']>;

/**
 * The answers that mean the token will never deliver again (FCM HTTP v1 UNREGISTERED, or INVALID_ARGUMENT
 * about the token itself). An INVALID_ARGUMENT about the message is a bug of ours, not a dead phone: it
 * must not unregister every device of the member.
 */
function isDeadToken(error: { code: string; message: string } | undefined): boolean {
  if (!error) return false;
  if (error.code === 'messaging/registration-token-not-registered' || error.code === 'messaging/invalid-registration-token') return true;
  return error.code === 'messaging/invalid-argument' && /registration token/i.test(error.message);
}

/** The longest wait any retry should honour: the notify activity's retry interval tops out here too. */
const MAX_RETRY_AFTER_MS = 60_000;

/** FCM's Retry-After (on 429 and 503), in milliseconds; firebase-admin keeps the answer on the error. */
function retryAfterMs(error: SendError): number | undefined {
  const header: unknown = error.httpResponse?.headers['retry-after'];
  const value = Array.isArray(header) ? header[0] : header;
  if (typeof value !== 'string' || value === '') return undefined;
  const seconds = Number(value);
  const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(value) - Date.now();
  return Number.isFinite(ms) && ms > 0 ? Math.min(ms, MAX_RETRY_AFTER_MS) : undefined;
}

/**
 * Production push through FCM to every installation the member registered (users/{uid}/devices, through
 * PUT /api/me/devices/{installationId}), one HTTP v1 send per installation (sendEachForMulticast).
 * Installations whose token FCM calls dead are removed. Any other refusal (429, 503 after the SDK's own
 * retries, a network fault, a message FCM will not take) fails the send with the installations that did
 * accept it, so the activity's retry (after FCM's Retry-After) sends only to the rest.
 */
export function fcmPushTransport(messaging: Pick<Messaging, 'sendEachForMulticast'>, db: Firestore): PushTransport {
  return {
    kind: 'fcm',
    async send(message: PushMessage, alreadyAccepted: readonly string[] = []) {
      const skip = new Set(alreadyAccepted);
      const devices = (await listDevices(db, message.userId)).filter((d) => !skip.has(d.installationId));
      if (devices.length === 0) return { delivered: 0 };
      const res = await messaging.sendEachForMulticast({
        tokens: devices.map((d) => d.token),
        notification: { title: message.title, body: message.body },
        data: message.data,
        android: { collapseKey: message.collapseKey },
        apns: { headers: { 'apns-collapse-id': message.collapseKey.slice(0, 64) } },
      });
      const answers = devices.map((device, i) => ({ device, response: res.responses[i] }));
      const accepted = answers.filter((a) => a.response?.success).map((a) => a.device.installationId);
      const dead = answers.filter((a) => isDeadToken(a.response?.error));
      for (const { device } of dead) await removeDeadToken(db, message.userId, device.installationId, device.token);
      const refused = answers.filter((a) => !a.response?.success && !isDeadToken(a.response?.error));
      if (refused.length > 0) {
        const waits = refused.map((a) => (a.response?.error ? retryAfterMs(a.response.error) : undefined)).filter((w) => w !== undefined);
        const codes = [...new Set(refused.map((a) => a.response?.error?.code ?? 'no answer'))].join(', ');
        throw new PushNotAccepted(
          `FCM accepted ${accepted.length} of ${devices.length} installations; ${refused.length} to retry (${codes})`,
          accepted,
          waits.length > 0 ? Math.max(...waits) : undefined,
        );
      }
      return { delivered: accepted.length };
    },
  };
}

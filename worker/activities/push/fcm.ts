import type { Firestore } from 'firebase-admin/firestore';
import type { Messaging } from 'firebase-admin/messaging';
import { listDevices, removeDeadToken } from '../../../common/devices/repository';
import type { PushMessage, PushTransport } from './transport';

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

/**
 * Production push through FCM to every installation the member registered (users/{uid}/devices, through
 * PUT /api/me/devices/{installationId}); installations whose token FCM calls dead are removed.
 */
export function fcmPushTransport(messaging: Pick<Messaging, 'sendEachForMulticast'>, db: Firestore): PushTransport {
  return {
    kind: 'fcm',
    async send(message: PushMessage) {
      const devices = await listDevices(db, message.userId);
      if (devices.length === 0) return { delivered: 0 };
      const res = await messaging.sendEachForMulticast({
        tokens: devices.map((d) => d.token),
        notification: { title: message.title, body: message.body },
        data: message.data,
        android: { collapseKey: message.collapseKey },
        apns: { headers: { 'apns-collapse-id': message.collapseKey.slice(0, 64) } },
      });
      const dead = devices.filter((_, i) => isDeadToken(res.responses[i]?.error));
      for (const d of dead) await removeDeadToken(db, message.userId, d.installationId, d.token);
      if (res.successCount === 0 && res.failureCount > dead.length) throw new Error('FCM delivered to no token');
      return { delivered: res.successCount };
    },
  };
}

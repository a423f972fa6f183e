import type { Firestore } from 'firebase-admin/firestore';
import { FieldValue } from 'firebase-admin/firestore';
import type { Messaging } from 'firebase-admin/messaging';
import { Collections } from '../../../common/contracts/scan-document';
import type { PushMessage, PushTransport } from './transport';

const DEAD_TOKEN_CODES = new Set([
  'messaging/registration-token-not-registered',
  'messaging/invalid-registration-token',
  'messaging/invalid-argument',
]);

/** Production push through FCM to the member's registered tokens; tokens FCM calls dead are pruned. */
export function fcmPushTransport(messaging: Messaging, db: Firestore): PushTransport {
  return {
    kind: 'fcm',
    async send(message: PushMessage) {
      const user = db.collection(Collections.users).doc(message.userId);
      const tokens: string[] = ((await user.get()).data()?.pushTokens as string[] | undefined) ?? [];
      if (tokens.length === 0) return { delivered: 0 };
      const res = await messaging.sendEachForMulticast({
        tokens,
        notification: { title: message.title, body: message.body },
        data: message.data,
        android: { collapseKey: message.collapseKey },
        apns: { headers: { 'apns-collapse-id': message.collapseKey.slice(0, 64) } },
      });
      const dead = res.responses.flatMap((r, i) => (!r.success && r.error && DEAD_TOKEN_CODES.has(r.error.code) ? [tokens[i]!] : []));
      if (dead.length) await user.update({ pushTokens: FieldValue.arrayRemove(...dead) });
      if (res.successCount === 0 && res.failureCount > dead.length) throw new Error('FCM delivered to no token');
      return { delivered: res.successCount };
    },
  };
}

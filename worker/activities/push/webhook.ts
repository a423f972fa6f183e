import { ALREADY_DELIVERED_STATUS, IDEMPOTENCY_HEADER, SIGNATURE_HEADER, signWebhook } from '../../../common/push-signature';
import type { PushMessage, PushTransport } from './transport';

/** Local and test push: a signed POST to a receiver (HMAC-SHA256 over a timestamped body). */
export function webhookPushTransport(url: string, secret: string, nowSeconds = () => Math.floor(Date.now() / 1000)): PushTransport {
  return {
    kind: 'webhook',
    async send(message: PushMessage) {
      const body = JSON.stringify(message);
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: signWebhook(secret, { body, idempotencyKey: message.collapseKey }, nowSeconds()),
          [IDEMPOTENCY_HEADER]: message.collapseKey,
        },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      // 409: the receiver already accepted this key (our earlier try got through): delivered.
      if (!res.ok && res.status !== ALREADY_DELIVERED_STATUS) throw new Error(`push webhook answered ${res.status}`);
      return { delivered: 1 };
    },
  };
}

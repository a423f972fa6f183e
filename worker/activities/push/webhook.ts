import { signWebhook } from '../../../common/push-signature';
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
          'reddyfit-signature': signWebhook(secret, body, nowSeconds()),
          'idempotency-key': message.collapseKey,
        },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) throw new Error(`push webhook answered ${res.status}`);
      return { delivered: 1 };
    },
  };
}

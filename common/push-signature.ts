import { createHmac, timingSafeEqual } from 'node:crypto';

// Signed webhook push transport (the Stripe scheme plus the delivery's key): HMAC-SHA256 over
// "<unix seconds>.<Idempotency-Key>.<raw body>", sent as `ReddyFit-Signature: t=<unix seconds>,v1=<hex>`
// with the key in `Idempotency-Key`. The timestamp bounds a replay to the tolerance window; inside it,
// the receiver keeps the keys it has seen and refuses a second delivery with one (409), which the sender
// counts as delivered. Because the key is signed, a replay cannot dodge the check by changing the key.
export const SIGNATURE_HEADER = 'reddyfit-signature';
export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const SIGNATURE_TOLERANCE_SECONDS = 300;
/** What a receiver answers to a delivery whose key it has already accepted. */
export const ALREADY_DELIVERED_STATUS = 409;

export interface SignedDelivery {
  body: string;
  idempotencyKey: string;
}

const KEY_SHAPE = /^[A-Za-z0-9_.:-]{1,200}$/;

function mac(secret: string, t: number, d: SignedDelivery): string {
  return createHmac('sha256', secret).update(`${t}.${d.idempotencyKey}.${d.body}`).digest('hex');
}

export function signWebhook(secret: string, delivery: SignedDelivery, nowSeconds: number): string {
  if (!KEY_SHAPE.test(delivery.idempotencyKey)) throw new Error('the idempotency key has an unsupported shape');
  return `t=${nowSeconds},v1=${mac(secret, nowSeconds, delivery)}`;
}

/** The signed timestamp when the signature is valid and fresh, else undefined. */
export function verifyWebhook(
  secret: string,
  delivery: { body: string; idempotencyKey: string | undefined },
  header: string | undefined,
  nowSeconds: number,
): number | undefined {
  if (!header || !delivery.idempotencyKey || !KEY_SHAPE.test(delivery.idempotencyKey)) return undefined;
  const parts = Object.fromEntries(header.split(',').map((kv) => kv.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > SIGNATURE_TOLERANCE_SECONDS || !parts.v1) return undefined;
  const expected = Buffer.from(mac(secret, t, { body: delivery.body, idempotencyKey: delivery.idempotencyKey }), 'hex');
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected) ? t : undefined;
}

/**
 * Keys of accepted deliveries, remembered for as long as a signature stays fresh: after that the
 * timestamp check refuses a replay by itself. One per receiver process (the local stand-in); a receiver
 * with several instances keeps them in shared storage (e.g. a unique key in its database).
 */
export class DeliveryKeyStore {
  private readonly seen = new Map<string, number>();

  /** True the first time a key is offered within the window; false for a replay. */
  accept(key: string, nowSeconds: number): boolean {
    for (const [k, at] of this.seen) if (at < nowSeconds - 2 * SIGNATURE_TOLERANCE_SECONDS) this.seen.delete(k);
    if (this.seen.has(key)) return false;
    this.seen.set(key, nowSeconds);
    return true;
  }
}

import { createHmac, timingSafeEqual } from 'node:crypto';

// Signed webhook push transport: HMAC-SHA256 over "<unix seconds>.<raw body>", sent as
// `ReddyFit-Signature: t=<unix seconds>,v1=<hex>` (the Stripe scheme: the timestamp stops replays).
export const SIGNATURE_HEADER = 'reddyfit-signature';
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export function signWebhook(secret: string, body: string, nowSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${nowSeconds}.${body}`).digest('hex');
  return `t=${nowSeconds},v1=${mac}`;
}

export function verifyWebhook(secret: string, body: string, header: string | undefined, nowSeconds: number): boolean {
  if (!header) return false;
  const parts = Object.fromEntries(header.split(',').map((kv) => kv.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > SIGNATURE_TOLERANCE_SECONDS || !parts.v1) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'), 'hex');
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

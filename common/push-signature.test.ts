import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DeliveryKeyStore, SIGNATURE_TOLERANCE_SECONDS, signWebhook, verifyWebhook } from './push-signature';

const secret = 'x'.repeat(32);
const d = (body: string, idempotencyKey = 'scan_1:completed') => ({ body, idempotencyKey });

describe('webhook signature', () => {
  it('verifies what it signed and returns the signed time', () => {
    const body = '{"scanId":"abc"}';
    expect(verifyWebhook(secret, d(body), signWebhook(secret, d(body), 1000), 1010)).toBe(1000);
  });
  it('rejects a changed body, a changed or missing key, another secret, a stale timestamp and garbage', () => {
    const sig = signWebhook(secret, d('a'), 1000);
    expect(verifyWebhook(secret, d('b'), sig, 1000)).toBeUndefined();
    expect(verifyWebhook(secret, d('a', 'scan_1:completed-again'), sig, 1000)).toBeUndefined();
    expect(verifyWebhook(secret, { body: 'a', idempotencyKey: undefined }, sig, 1000)).toBeUndefined();
    expect(verifyWebhook('y'.repeat(32), d('a'), sig, 1000)).toBeUndefined();
    expect(verifyWebhook(secret, d('a'), sig, 1000 + SIGNATURE_TOLERANCE_SECONDS + 1)).toBeUndefined();
    expect(verifyWebhook(secret, d('a'), 't=1000,v1=zz', 1000)).toBeUndefined();
    expect(verifyWebhook(secret, d('a'), undefined, 1000)).toBeUndefined();
  });
  it('is HMAC-SHA256 over "<t>.<key>.<body>"', () => {
    // Published example: HMAC-SHA256(key="key", "The quick brown fox jumps over the lazy dog")
    // = f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8 (Wikipedia, HMAC).
    expect(createHmac('sha256', 'key').update('The quick brown fox jumps over the lazy dog').digest('hex')).toBe(
      'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8',
    );
    expect(signWebhook('key', d('x', 'k1'), 7)).toBe(`t=7,v1=${createHmac('sha256', 'key').update('7.k1.x').digest('hex')}`);
  });
  it('a key is accepted once within the window, and forgotten only after signatures carrying it went stale', () => {
    const store = new DeliveryKeyStore();
    expect(store.accept('k', 1000)).toBe(true);
    expect(store.accept('k', 1000)).toBe(false);
    expect(store.accept('k', 1000 + SIGNATURE_TOLERANCE_SECONDS)).toBe(false);
    expect(store.accept('other', 1001)).toBe(true);
    expect(store.accept('k', 1000 + 2 * SIGNATURE_TOLERANCE_SECONDS + 1)).toBe(true);
  });
});

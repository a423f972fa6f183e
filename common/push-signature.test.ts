import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from './push-signature';

const secret = 'x'.repeat(32);

describe('webhook signature', () => {
  it('verifies what it signed', () => {
    const body = '{"scanId":"abc"}';
    expect(verifyWebhook(secret, body, signWebhook(secret, body, 1000), 1010)).toBe(true);
  });
  it('rejects a changed body, another secret, a stale timestamp and garbage', () => {
    const sig = signWebhook(secret, 'a', 1000);
    expect(verifyWebhook(secret, 'b', sig, 1000)).toBe(false);
    expect(verifyWebhook('y'.repeat(32), 'a', sig, 1000)).toBe(false);
    expect(verifyWebhook(secret, 'a', sig, 1000 + 301)).toBe(false);
    expect(verifyWebhook(secret, 'a', 't=1000,v1=zz', 1000)).toBe(false);
    expect(verifyWebhook(secret, 'a', undefined, 1000)).toBe(false);
  });
  it('is HMAC-SHA256 over "<t>.<body>"', () => {
    // Published example: HMAC-SHA256(key="key", "The quick brown fox jumps over the lazy dog")
    // = f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8 (Wikipedia, HMAC).
    expect(createHmac('sha256', 'key').update('The quick brown fox jumps over the lazy dog').digest('hex')).toBe(
      'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8',
    );
    expect(signWebhook('key', 'x', 7)).toBe(`t=7,v1=${createHmac('sha256', 'key').update('7.x').digest('hex')}`);
  });
});

import { randomUUID } from 'node:crypto';
import type { DecodedIdToken } from 'firebase-admin/auth';
import { afterAll, describe, expect, it } from 'vitest';
import { createFirebase } from '../common/clients/firebase';
import { ACCOUNT_STATE_MAX_AGE_MS, AccountStateCache, lookUpAccountState, refusalOf } from '../functions/framework/account-state';
import { idTokenFor } from './helpers/auth';
import { newUserId } from './helpers/scan';
import { testConfig } from './helpers/stack';

// Member routes read an account's state (disabled, signed out everywhere) at most once per
// ACCOUNT_STATE_MAX_AGE_MS instead of on every request. Through HTTP the window cannot be seen here: against
// the Auth emulator firebase-admin looks the account up on every verify, whatever it is asked. So the
// cache is tested at its own door, with the emulator's account state and a clock the test moves: within
// the window a revoked session is still accepted (the documented price), from its end on it is refused.
describe('member account state: looked up at most once per window, refused once the window has passed', () => {
  const config = testConfig({});
  const firebase = createFirebase(config, `account-state-${randomUUID()}`);
  afterAll(() => firebase.close());

  /** A member signed in, the claims of their token, and a cache on the emulator that counts its lookups. */
  async function signedIn() {
    const uid = newUserId();
    const token = await idTokenFor(firebase.auth, config, uid);
    const claims = await firebase.auth.verifyIdToken(token);
    let clock = 1_000_000;
    const lookups: string[] = [];
    const cache = new AccountStateCache(
      (u) => {
        lookups.push(u);
        return lookUpAccountState(firebase.auth, u);
      },
      () => clock,
    );
    const verdict = async (c: DecodedIdToken = claims) => refusalOf(c, await cache.state(uid)) ?? 'accepted';
    return { uid, token, claims, cache, lookups, verdict, advance: (ms: number) => (clock += ms) };
  }

  /** Firebase counts revocation in whole seconds: revoke in a later second than the token's sign-in, as a real sign-out would. */
  async function afterSignInSecond(claims: DecodedIdToken) {
    while (Date.now() < (claims.auth_time + 1) * 1000) await new Promise((r) => setTimeout(r, 50));
  }

  it('signed out everywhere: accepted within the window, refused from its end on; a new sign-in is accepted', async () => {
    const m = await signedIn();
    expect(await m.verdict()).toBe('accepted');
    await afterSignInSecond(m.claims);
    await firebase.auth.revokeRefreshTokens(m.uid);
    // Firebase itself refuses the token now: whatever accepts it below is the window, nothing else.
    await expect(firebase.auth.verifyIdToken(m.token, true)).rejects.toMatchObject({ code: 'auth/id-token-revoked' });
    m.advance(ACCOUNT_STATE_MAX_AGE_MS - 1);
    expect(await m.verdict()).toBe('accepted');
    expect(m.lookups).toHaveLength(1);
    m.advance(1);
    expect(await m.verdict()).toBe('revoked');
    expect(m.lookups).toHaveLength(2);
    // The member signs in again: that token is accepted at once, from the state just read.
    const fresh = await firebase.auth.verifyIdToken(await idTokenFor(firebase.auth, config, m.uid));
    expect(await m.verdict(fresh)).toBe('accepted');
    expect(m.lookups).toHaveLength(2);
  });

  it('a disabled account: accepted within the window, refused from its end on', async () => {
    const m = await signedIn();
    expect(await m.verdict()).toBe('accepted');
    await firebase.auth.updateUser(m.uid, { disabled: true });
    m.advance(ACCOUNT_STATE_MAX_AGE_MS - 1);
    expect(await m.verdict()).toBe('accepted');
    m.advance(1);
    expect(await m.verdict()).toBe('disabled');
  });

  it('a deleted account: the lookup fails with the SDK error and is not kept', async () => {
    const m = await signedIn();
    await firebase.auth.deleteUser(m.uid);
    await expect(m.cache.state(m.uid)).rejects.toMatchObject({ code: 'auth/user-not-found' });
    await expect(m.cache.state(m.uid)).rejects.toMatchObject({ code: 'auth/user-not-found' });
    expect(m.lookups).toHaveLength(2);
  });
});

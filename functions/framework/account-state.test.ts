import { HttpRequest } from '@azure/functions';
import type { Auth } from 'firebase-admin/auth';
import { describe, expect, it } from 'vitest';
import { ACCOUNT_STATE_MAX_AGE_MS, type AccountState, AccountStateCache } from './account-state';
import { authenticate } from './auth';

// Which requests may rely on a member's account state up to ACCOUNT_STATE_MAX_AGE_MS old, and which check
// the account every time. The window itself is tested against the Auth emulator (test/account-state-cache.test.ts).

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
const tokenOf = (payload: Record<string, unknown>) => `${b64({ alg: 'none' })}.${b64(payload)}.signature-not-read-by-the-fake`;
const STAFF_TENANT = 'staff-tenant';

/** An Auth whose verifyIdToken decodes without checking and records whether the account was to be checked. */
function fakeAuth() {
  const verified: Array<{ tenant: string | undefined; checkRevoked: boolean }> = [];
  const verifier = (tenant: string | undefined) => ({
    verifyIdToken: async (token: string, checkRevoked = false) => {
      verified.push({ tenant, checkRevoked });
      const p = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
      return { ...p, uid: p.sub };
    },
  });
  const auth = { ...verifier(undefined), tenantManager: () => ({ authForTenant: (t: string) => verifier(t) }) } as unknown as Auth;
  return { auth, verified };
}

function setUp(state: AccountState = { disabled: false }) {
  const { auth, verified } = fakeAuth();
  const lookups: string[] = [];
  const memberAccountStates = new AccountStateCache(
    async (uid) => {
      lookups.push(uid);
      return state;
    },
    () => 0,
  );
  const now = new Date();
  const deps = {
    auth,
    memberAccountStates,
    config: { STAFF_TENANT_ID: STAFF_TENANT, STAFF_SIGN_IN_MAX_AGE_MINUTES: 60 },
    now: () => now,
  };
  const signedIn = Math.floor(now.getTime() / 1000) - 10;
  const member = tokenOf({ sub: 'member_1', auth_time: signedIn });
  const staff = tokenOf({
    sub: 'staff_1',
    auth_time: signedIn,
    reviewer: true,
    firebase: { tenant: STAFF_TENANT, sign_in_second_factor: 'phone' },
  });
  const call = (token: string, def: Parameters<typeof authenticate>[2]) =>
    authenticate(new HttpRequest({ method: 'GET', url: 'http://h/api/x', headers: { authorization: `Bearer ${token}` } }), deps, def);
  return { verified, lookups, member, staff, call };
}

describe('authenticate: the account check per route', () => {
  it("member routes read the member's state from the cache: one lookup for many requests", async () => {
    const s = setUp();
    for (let i = 0; i < 3; i++) await s.call(s.member, { auth: 'member' });
    await s.call(s.member, { auth: 'owner' });
    expect(s.verified.every((v) => !v.checkRevoked)).toBe(true);
    expect(s.lookups).toEqual(['member_1']);
  });

  it('a route that asks for a recent sign-in (DELETE /api/me) checks the account on every request', async () => {
    const s = setUp();
    await s.call(s.member, { auth: 'member', maxSignInAgeSeconds: 300 });
    await s.call(s.member, { auth: 'member', maxSignInAgeSeconds: 300 });
    expect(s.verified).toEqual([
      { tenant: undefined, checkRevoked: true },
      { tenant: undefined, checkRevoked: true },
    ]);
    expect(s.lookups).toEqual([]);
  });

  it('staff check the account on every request, on every staff route', async () => {
    const s = setUp();
    await s.call(s.staff, { auth: 'reviewer' });
    await s.call(s.staff, { auth: 'owner' });
    expect(s.verified).toEqual([
      { tenant: STAFF_TENANT, checkRevoked: true },
      { tenant: STAFF_TENANT, checkRevoked: true },
    ]);
    expect(s.lookups).toEqual([]);
  });

  it('a cached state that says signed out everywhere or disabled refuses the token', async () => {
    const revoked = setUp({ disabled: false, validSinceMs: Date.now() });
    await expect(revoked.call(revoked.member, { auth: 'member' })).rejects.toMatchObject({ code: 'invalid_token' });
    const disabled = setUp({ disabled: true });
    await expect(disabled.call(disabled.member, { auth: 'member' })).rejects.toMatchObject({ code: 'invalid_token' });
  });
});

describe('AccountStateCache', () => {
  it("one member's concurrent requests share one lookup; a clock that went back looks up again", async () => {
    let clock = 5_000;
    let release!: (s: AccountState) => void;
    let lookups = 0;
    const cache = new AccountStateCache(
      () => {
        lookups++;
        return new Promise<AccountState>((r) => {
          release = r;
        });
      },
      () => clock,
    );
    const waiting = Promise.all([cache.state('a'), cache.state('a'), cache.state('a')]);
    release({ disabled: false });
    expect(await waiting).toHaveLength(3);
    expect(lookups).toBe(1);
    clock -= 1;
    void cache.state('a');
    release({ disabled: false });
    expect(lookups).toBe(2);
    clock += ACCOUNT_STATE_MAX_AGE_MS - 1;
    await cache.state('a');
    expect(lookups).toBe(2);
  });
});

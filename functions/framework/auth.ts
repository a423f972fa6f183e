import type { HttpRequest } from '@azure/functions';
import type { Auth, BaseAuth, DecodedIdToken } from 'firebase-admin/auth';
import { ApiProblem } from '../errors';
import { type AccountState, type AccountStateCache, refusalOf } from './account-state';
import type { AnyHttpFunction, Principal } from './types';

const BEARER = /^Bearer ([A-Za-z0-9_.-]{20,4096})$/;

/**
 * Staff roles come from custom claims on the staff tenant's accounts: `reviewer: true`, `operator: true`
 * or `roles: ['reviewer', ...]`. A member's account has no roles beyond `member`, whatever its claims say.
 */
export function rolesFromClaims(claims: Record<string, unknown>): string[] {
  const roles = new Set<string>();
  if (claims.reviewer === true) roles.add('reviewer');
  if (claims.operator === true) roles.add('operator');
  if (Array.isArray(claims.roles)) for (const r of claims.roles) if (typeof r === 'string' && /^[a-z_]{1,32}$/.test(r)) roles.add(r);
  roles.delete('member');
  return [...roles];
}

/** What authentication needs of the app: the Auth client, the staff settings and the clock. */
export interface AuthDeps {
  auth: Auth;
  config: { STAFF_TENANT_ID?: string; STAFF_SIGN_IN_MAX_AGE_MINUTES: number };
  now(): Date;
  /** Members' account states, looked up at most once per ACCOUNT_STATE_MAX_AGE_MS each (functions/framework/account-state.ts). */
  memberAccountStates: AccountStateCache;
}

/**
 * The tenant a token claims (`firebase.tenant`), read before verification only to pick the verifier:
 * the chosen verifier checks the signature over that same claim, and a tenant-aware verifier refuses a
 * token of any other tenant.
 */
function claimedTenant(token: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { firebase?: { tenant?: unknown } };
    return typeof payload.firebase?.tenant === 'string' ? payload.firebase.tenant : undefined;
  } catch {
    return undefined;
  }
}

/** A token we cannot verify is the caller's problem; an Auth service we cannot reach is ours. */
function verificationProblem(err: unknown): ApiProblem {
  const code = String((err as { code?: unknown }).code ?? '');
  if (code.startsWith('auth/') && code !== 'auth/internal-error') return new ApiProblem('invalid_token');
  return new ApiProblem('service_unavailable', 'the identity service could not be reached');
}

/**
 * Signature, audience and expiry, then the account's state (disabled, signed out everywhere): looked up
 * now (`live`), or from `states`, at most ACCOUNT_STATE_MAX_AGE_MS old. Against the Auth emulator
 * firebase-admin looks the account up on every verify whatever is asked, so there both are live.
 */
async function verify(auth: BaseAuth, token: string, states: AccountStateCache | 'live'): Promise<DecodedIdToken> {
  let claims: DecodedIdToken;
  try {
    if (states === 'live') return await auth.verifyIdToken(token, true);
    claims = await auth.verifyIdToken(token, false);
  } catch (err) {
    throw verificationProblem(err);
  }
  let state: AccountState;
  try {
    state = await states.state(claims.uid);
  } catch (err) {
    throw verificationProblem(err);
  }
  if (refusalOf(claims, state)) throw new ApiProblem('invalid_token');
  return claims;
}

/** Seconds since the token's sign-in (`auth_time`: when the person last signed in, not when the token was refreshed). */
const signInAgeSeconds = (claims: DecodedIdToken, now: Date) => now.getTime() / 1000 - claims.auth_time;

/**
 * Verifies the Firebase ID token (signature, audience, expiry, revocation) and applies the route's
 * requirement. Members sign in to the project's own accounts; staff to the staff tenant, with a second
 * factor and within STAFF_SIGN_IN_MAX_AGE_MINUTES. Reviewer and operator routes accept staff only;
 * members' routes refuse staff; routes of one scan (`owner`) take both (the owner, or a reviewer with a
 * need). Anonymous routes get a placeholder principal and never look at the header.
 */
export async function authenticate(
  request: HttpRequest,
  deps: AuthDeps,
  def: Pick<AnyHttpFunction, 'auth' | 'maxSignInAgeSeconds'>,
): Promise<Principal> {
  const requirement = def.auth;
  if (requirement === 'anonymous') return { uid: 'anonymous', roles: [], isReviewer: false, staff: false };
  const header = request.headers.get('authorization');
  if (!header) throw new ApiProblem('unauthenticated');
  const match = BEARER.exec(header.trim());
  if (!match) throw new ApiProblem('invalid_token', 'expected "Authorization: Bearer <Firebase ID token>"');
  const token = match[1]!;
  const staffTenant = deps.config.STAFF_TENANT_ID;
  const tenant = claimedTenant(token);
  const staff = tenant !== undefined && tenant === staffTenant;
  // A token of another tenant is nobody this app knows.
  if (tenant !== undefined && !staff) throw new ApiProblem('invalid_token', 'tokens of this tenant are not accepted here');
  // Staff, and member routes that ask for a recent sign-in (DELETE /api/me: erasure cannot be undone),
  // check the account on every request; other member routes accept its state up to ACCOUNT_STATE_MAX_AGE_MS old.
  const claims = staff
    ? await verify(deps.auth.tenantManager().authForTenant(staffTenant!), token, 'live')
    : await verify(deps.auth, token, def.maxSignInAgeSeconds === undefined ? deps.memberAccountStates : 'live');
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(claims.uid)) throw new ApiProblem('invalid_token', 'this account id is not supported');
  const now = deps.now();

  if (!staff) {
    if (requirement === 'reviewer' || requirement === 'operator') throw new ApiProblem('staff_sign_in_required');
    if (def.maxSignInAgeSeconds !== undefined && signInAgeSeconds(claims, now) > def.maxSignInAgeSeconds)
      throw new ApiProblem(
        'reauthentication_required',
        `sign in again: this needs a sign-in within the last ${def.maxSignInAgeSeconds / 60} minutes`,
      );
    return { uid: claims.uid, roles: ['member'], isReviewer: false, staff: false };
  }

  if (requirement === 'member') throw new ApiProblem('member_account_required');
  if (!claims.firebase.sign_in_second_factor) throw new ApiProblem('second_factor_required');
  const maxAge = Math.min(deps.config.STAFF_SIGN_IN_MAX_AGE_MINUTES * 60, def.maxSignInAgeSeconds ?? Number.POSITIVE_INFINITY);
  if (signInAgeSeconds(claims, now) > maxAge)
    throw new ApiProblem('reauthentication_required', `sign in again: staff sign-ins last ${Math.round(maxAge / 60)} minutes`);
  const roles = rolesFromClaims(claims);
  const principal: Principal = { uid: claims.uid, roles, isReviewer: roles.includes('reviewer'), staff: true };
  if (requirement === 'reviewer' && !principal.isReviewer) throw new ApiProblem('reviewer_role_required', 'this endpoint is for reviewers');
  if (requirement === 'operator' && !roles.includes('operator'))
    throw new ApiProblem('operator_role_required', 'this endpoint is for operators');
  return principal;
}

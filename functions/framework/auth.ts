import type { HttpRequest } from '@azure/functions';
import type { Auth } from 'firebase-admin/auth';
import { ApiProblem } from '../errors';
import type { AuthRequirement, Principal } from './types';

const BEARER = /^Bearer ([A-Za-z0-9_.-]{20,4096})$/;

/** Roles come from custom claims: `reviewer: true`, `operator: true` or `roles: ['reviewer', ...]`. */
export function rolesFromClaims(claims: Record<string, unknown>): string[] {
  const roles = new Set<string>(['member']);
  if (claims.reviewer === true) roles.add('reviewer');
  if (claims.operator === true) roles.add('operator');
  if (Array.isArray(claims.roles)) for (const r of claims.roles) if (typeof r === 'string' && /^[a-z_]{1,32}$/.test(r)) roles.add(r);
  return [...roles];
}

/**
 * Verifies the Firebase ID token (signature, audience, expiry, revocation) and applies the route's
 * requirement. Anonymous routes get a placeholder principal and never look at the header.
 */
export async function authenticate(request: HttpRequest, auth: Auth, requirement: AuthRequirement): Promise<Principal> {
  if (requirement === 'anonymous') return { uid: 'anonymous', roles: [], isReviewer: false };
  const header = request.headers.get('authorization');
  if (!header) throw new ApiProblem('unauthenticated');
  const match = BEARER.exec(header.trim());
  if (!match) throw new ApiProblem('invalid_token', 'expected "Authorization: Bearer <Firebase ID token>"');
  let claims: Record<string, unknown> & { uid: string };
  try {
    claims = await auth.verifyIdToken(match[1]!, true);
  } catch (err) {
    // A token we cannot verify is the caller's problem; an Auth service we cannot reach is ours.
    const code = String((err as { code?: unknown }).code ?? '');
    if (code.startsWith('auth/') && code !== 'auth/internal-error') throw new ApiProblem('invalid_token');
    throw new ApiProblem('service_unavailable', 'the identity service could not be reached');
  }
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(claims.uid)) throw new ApiProblem('invalid_token', 'this account id is not supported');
  const roles = rolesFromClaims(claims);
  const principal: Principal = { uid: claims.uid, roles, isReviewer: roles.includes('reviewer') };
  if (requirement === 'reviewer' && !principal.isReviewer) throw new ApiProblem('reviewer_role_required', 'this endpoint is for reviewers');
  if (requirement === 'operator' && !roles.includes('operator'))
    throw new ApiProblem('operator_role_required', 'this endpoint is for operators');
  return principal;
}

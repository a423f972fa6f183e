import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { canonicalJson } from '../archive/canonical-json';
import { type ReviewDecision, ReviewDecisionSchema, type UnsignedReviewDecision } from '../contracts/scan';

// A review decision is signed by the functions app and verified by the worker before it acts on it, so
// that write access to Temporal (a leaked namespace credential, with or without the payload key) is not a
// way to approve or reject a scan in a reviewer's name. HMAC-SHA256 with REVIEW_SIGNING_KEY (Key Vault):
// both sides hold the key, nothing else does. The signature covers every field of the decision.

const DOMAIN = 'reddyfit.review-decision.v1';

export function parseReviewSigningKey(base64: string): Buffer {
  const key = Buffer.from(base64, 'base64');
  if (key.length < 32) throw new Error('a review signing key is at least 32 bytes, base64-encoded');
  return key;
}

const mac = (key: Buffer, d: UnsignedReviewDecision) =>
  createHmac('sha256', key)
    .update(`${DOMAIN}\n${canonicalJson({ ...d, notes: d.notes ?? null, reviewerRoles: [...d.reviewerRoles].sort() })}`)
    .digest();

/** The decision as the functions app sends it: a fresh decision id, signed now. */
export function signReviewDecision(
  key: Buffer,
  fields: Omit<UnsignedReviewDecision, 'decisionId' | 'signedAt'>,
  now: Date,
  decisionId: string = randomUUID(),
): ReviewDecision {
  const unsigned: UnsignedReviewDecision = { ...fields, decisionId, signedAt: now.toISOString() };
  return { ...unsigned, signature: mac(key, unsigned).toString('base64url') };
}

/** Whether the functions app signed exactly this decision (constant-time comparison). */
export function reviewSignatureValid(key: Buffer, decision: unknown): boolean {
  const parsed = ReviewDecisionSchema.safeParse(decision);
  if (!parsed.success) return false;
  const { signature, ...unsigned } = parsed.data;
  const given = Buffer.from(signature, 'base64url');
  const expected = mac(key, unsigned);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export type { ReviewDecision };

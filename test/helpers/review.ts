import type { Firestore } from 'firebase-admin/firestore';
import { expect } from 'vitest';
import type { FirebaseClients } from '../../common/clients/firebase';
import type { Config } from '../../common/config';
import type { ReviewDecision, ReviewVerdict, UnsignedReviewDecision } from '../../common/contracts/scan';
import { Collections } from '../../common/contracts/scan-document';
import { userRef } from '../../common/scans/repository';
import { parseReviewSigningKey, signReviewDecision } from '../../common/scans/review-signature';
import type { LocalHost } from '../../functions/local-host';
import { idTokenFor } from './auth';
import { api } from './http';
import { measurements, newUserId, samplePhotos, seedMember } from './scan';

/** A reviewer's decision for a scan, signed now as the functions app signs it (with the stack's key unless told). */
export function signedDecision(
  config: Pick<Config, 'REVIEW_SIGNING_KEY'>,
  scanId: string,
  decision: ReviewVerdict,
  overrides: Partial<Omit<UnsignedReviewDecision, 'decisionId' | 'signedAt' | 'scanId'>> = {},
): ReviewDecision {
  return signReviewDecision(
    parseReviewSigningKey(config.REVIEW_SIGNING_KEY),
    { decision, notes: 'checked the photos', reviewerId: 'reviewer_1', reviewerRoles: ['reviewer'], scanId, ...overrides },
    new Date(),
  );
}

/**
 * Yesterday's scan of a member, far leaner at nearly the same weight: today's equations-only estimate is
 * ~14 pp higher, beyond physiology plus the weight-explained shift, so the member's next scan waits for review.
 */
export function seedLeanerScanYesterday(db: Firestore, uid: string, extra: { leanMassKg?: number } = {}) {
  return userRef(db, uid)
    .collection(Collections.scanHistory)
    .doc('previous')
    .set({ scanId: 'previous', takenAt: new Date(Date.now() - 86_400_000).toISOString(), bodyFatPercent: 8, weightKg: 82, ...extra });
}

/**
 * A member with such a scan yesterday (`seedLeanerScanYesterday`), whose scan today goes through the HTTP API
 * the way the app does (create, upload the four photos); returns once the scan waits for review.
 */
export async function flaggedScanWaitingForReview(host: LocalHost, firebase: FirebaseClients, config: Config) {
  const uid = newUserId();
  await seedMember(firebase.db, uid, { credits: 1 });
  await seedLeanerScanYesterday(firebase.db, uid);
  const token = await idTokenFor(firebase.auth, config, uid);
  const created = await api(host, '/api/scans', { method: 'POST', token, json: measurements() });
  expect(created.status, created.text).toBe(201);
  const photos = await samplePhotos();
  for (const u of created.json.uploads) {
    expect((await fetch(u.url, { method: 'PUT', headers: u.headers, body: photos[u.angle as keyof typeof photos] })).status).toBe(201);
  }
  const scanId: string = created.json.scanId;
  for (const end = Date.now() + 90_000; ; await new Promise((r) => setTimeout(r, 200))) {
    const status = await api(host, `/api/scans/${scanId}`, { token });
    if (status.json?.status === 'awaiting_review') break;
    if (Date.now() > end) throw new Error(`scan never waited for review: ${status.text}`);
  }
  return { uid, token, scanId };
}

/** Every page of GET /api/reviews, following nextCursor. */
export async function allReviewPages(host: LocalHost, token: string, limit = 25) {
  const items: Array<Record<string, any>> = [];
  let cursor: string | null = null;
  do {
    const res = await api(host, `/api/reviews?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, { token });
    expect(res.status, res.text).toBe(200);
    items.push(...res.json.items);
    cursor = res.json.nextCursor;
  } while (cursor);
  return items;
}

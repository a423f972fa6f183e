import { createHash, randomBytes } from 'node:crypto';
import type { Firestore } from 'firebase-admin/firestore';
import { documentConverter } from '../clients/firestore-documents';
import {
  type ErasedShareDocument,
  isErasedShare,
  MAX_ACTIVE_SHARES_PER_SCAN,
  MAX_SHARES_PER_SCAN,
  SHARE_TOKEN_BYTES,
  type ShareDocument,
  ShareTokenPattern,
  type StoredShare,
  StoredShareSchema,
  shareState,
} from '../contracts/report-shares';
import { Collections } from '../contracts/scan-document';
import { erasureRef } from './refs';
import { erasureInProgress, RefusedError } from './repository';

// reportShares/{shareId}: the member's links to one report (common/contracts/report-shares.ts). Written by
// the share endpoints, read when a link is opened, turned into hash-only tombstones by the erasure.

const shareConverter = documentConverter(StoredShareSchema);

export const sharesCollection = (db: Firestore) => db.collection(Collections.reportShares).withConverter(shareConverter);

/** What is stored of a token: its SHA-256 (a 256-bit random secret needs no salt or slow hash). */
export const shareTokenHash = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** A link refused by one of the two limits; the message is what the member is told. */
const shareLimitReached = (limit: number, counted: 'active' | 'ever') =>
  new RefusedError(
    'share_limit_reached',
    counted === 'active'
      ? `at most ${limit} links of one scan may be open at once; revoke one first`
      : `at most ${limit} links can ever be made for one scan`,
    { limit },
  );

const newestFirst = (a: ShareDocument, b: ShareDocument) => b.createdAt.localeCompare(a.createdAt) || b.shareId.localeCompare(a.shareId);
const live = (docs: StoredShare[]) => docs.filter((d): d is ShareDocument => !isErasedShare(d));

/**
 * Makes a link to one scan's report, in one transaction with the limits: at most MAX_ACTIVE_SHARES_PER_SCAN
 * open at once and MAX_SHARES_PER_SCAN ever. Refused while the member's erasure runs (it would outlive it).
 * The caller has checked that the scan is the member's and completed. Returns the token, which is not stored.
 */
export async function createShare(
  db: Firestore,
  input: { scanId: string; ownerId: string; lifetimeDays: number; firstName?: string | undefined; now: Date },
): Promise<{ share: ShareDocument; token: string }> {
  const token = randomBytes(SHARE_TOKEN_BYTES).toString('base64url');
  const ref = sharesCollection(db).doc(randomBytes(12).toString('base64url'));
  const share: ShareDocument = {
    shareId: ref.id,
    tokenHash: shareTokenHash(token),
    ownerId: input.ownerId,
    scanId: input.scanId,
    createdAt: input.now.toISOString(),
    expiresAt: new Date(input.now.getTime() + input.lifetimeDays * 86_400_000).toISOString(),
    ...(input.firstName ? { firstName: input.firstName } : {}),
  };
  await db.runTransaction(async (tx) => {
    const [erasure, existing] = await Promise.all([
      tx.get(erasureRef(db, input.ownerId)),
      tx.get(sharesCollection(db).where('scanId', '==', input.scanId)),
    ]);
    if (erasure.data()?.status === 'running') throw erasureInProgress();
    const shares = live(existing.docs.map((d) => d.data()));
    if (shares.length >= MAX_SHARES_PER_SCAN) throw shareLimitReached(MAX_SHARES_PER_SCAN, 'ever');
    if (shares.filter((s) => shareState(s, input.now) === 'active').length >= MAX_ACTIVE_SHARES_PER_SCAN)
      throw shareLimitReached(MAX_ACTIVE_SHARES_PER_SCAN, 'active');
    tx.create(ref, share);
  });
  return { share, token };
}

/** The scan's links, newest first (bounded by MAX_SHARES_PER_SCAN). */
export async function listShares(db: Firestore, scanId: string): Promise<ShareDocument[]> {
  return live((await sharesCollection(db).where('scanId', '==', scanId).get()).docs.map((d) => d.data())).sort(newestFirst);
}

/**
 * Revokes one link of the scan; revoking it again changes nothing (`revokedNow` false). Undefined when the
 * scan has no such link (another scan's link is not this scan's).
 */
export async function revokeShare(
  db: Firestore,
  input: { scanId: string; shareId: string; now: Date },
): Promise<{ share: ShareDocument; revokedNow: boolean } | undefined> {
  const ref = sharesCollection(db).doc(input.shareId);
  return db.runTransaction(async (tx) => {
    const share = (await tx.get(ref)).data();
    if (!share || isErasedShare(share) || share.scanId !== input.scanId) return undefined;
    if (share.revokedAt) return { share, revokedNow: false };
    const revoked = { ...share, revokedAt: input.now.toISOString() };
    tx.set(ref, revoked);
    return { share: revoked, revokedNow: true };
  });
}

/** The link a token opens, if any. A string that cannot be a token finds nothing, exactly like an unknown one. */
export async function findShareByToken(db: Firestore, token: string): Promise<StoredShare | undefined> {
  if (!ShareTokenPattern.test(token)) return undefined;
  const snap = await sharesCollection(db).where('tokenHash', '==', shareTokenHash(token)).limit(1).get();
  return snap.docs[0]?.data();
}

/** Where an erased link's tombstone lives: beside the link, under its own id (see eraseMemberShares). */
export const erasedShareDocId = (shareId: string) => `erased_${shareId}`;

/**
 * Erasure: every link of the member becomes a tombstone of its token's hash and expiry (its holder reads
 * 410, not 404), with nothing of the member or the scan. The tombstone is written under its own id and
 * the link deleted after it, so a crash between the two leaves the link to be found by the next attempt
 * (and a set never has to replace a document: the local Firestore stand-in merges a set into what is there).
 */
export async function eraseMemberShares(db: Firestore, userId: string, now: Date): Promise<number> {
  const snap = await sharesCollection(db).where('ownerId', '==', userId).get();
  for (const doc of snap.docs) {
    const share = doc.data();
    const tombstone: ErasedShareDocument = {
      shareId: share.shareId,
      tokenHash: share.tokenHash,
      expiresAt: share.expiresAt,
      erasedAt: now.toISOString(),
    };
    await sharesCollection(db).doc(erasedShareDocId(share.shareId)).set(tombstone);
    await doc.ref.delete();
  }
  return snap.size;
}

/** Whether the member has any link left (the erasure's "is there anything of them" check). */
export async function memberHasShares(db: Firestore, userId: string): Promise<boolean> {
  return !(await db.collection(Collections.reportShares).where('ownerId', '==', userId).limit(1).get()).empty;
}

import type { ContainerClient } from '@azure/storage-blob';
import type { Firestore } from 'firebase-admin/firestore';
import { anyBlobUnder } from '../clients/blob-delete';
import type { ErasureDocument } from '../contracts/erasure';
import { Collections, Subcollections } from '../contracts/scan-document';
import { erasureRef, erasureRunRef } from './refs';
import { memberHasShares } from './report-shares';
import { scansCollection, userRef } from './repository';

export { erasureRef, erasureRunRef };

// What a member's erasable data is, and the erasure records that say when it was last erased. The
// erasure workflow (worker/activities/erasure.ts) deletes exactly these; DELETE /api/me asks whether any
// of it exists again after the last completed erasure before it starts another.

/** The member's latest erasure, if they ever asked for one. */
export async function latestErasure(db: Firestore, userId: string): Promise<ErasureDocument | undefined> {
  return (await erasureRef(db, userId).get()).data();
}

/** True while the member's erasure runs: nothing may write their data then. */
export const isErasing = (erasure: ErasureDocument | undefined) => erasure?.status === 'running';

/**
 * Whether anything an erasure deletes exists for the member: their user document or anything under it,
 * a scan they own, a link to one of their reports, their archive data key, or any blob (snapshots and versions included) under their
 * prefix in the photo containers. Audit and erasure records are not the member's data (identifiers only).
 */
export async function memberHasData(
  db: Firestore,
  containers: { uploads: ContainerClient; sealed: ContainerClient },
  userId: string,
): Promise<boolean> {
  const user = userRef(db, userId);
  const checks: Array<() => Promise<boolean>> = [
    async () => (await user.get()).exists,
    ...Subcollections.users.map((sub) => async () => !(await user.collection(sub).limit(1).get()).empty),
    async () => !(await scansCollection(db).where('ownerId', '==', userId).limit(1).get()).empty,
    () => memberHasShares(db, userId),
    async () => (await db.collection(Collections.memberKeys).doc(userId).get()).exists,
    ...[containers.uploads, containers.sealed].map((c) => () => anyBlobUnder(c, `${userId}/`)),
  ];
  for (const check of checks) if (await check()) return true;
  return false;
}

/** How long after the last upload URL's expiry the erasure's last sweep runs: clock skew between hosts and Storage. */
export const SWEEP_AFTER_URL_EXPIRY_MS = 60_000;

/**
 * When an erasure that starts now may sweep the member's uploads for the last time (never before `now`).
 * Every create that hands out upload URLs records their expiry (`uploadUrlsValidUntil`) in the same
 * transaction that reads the erasure record (createScanWithCredit): a create committed before the erasure
 * record is on record here, read after that record exists; one after it is refused.
 */
export async function lastSweepAfter(db: Firestore, userId: string, now: Date): Promise<Date> {
  const recorded = (await userRef(db, userId).get()).data()?.uploadUrlsValidUntil;
  const expiry = recorded === undefined ? Number.NaN : Date.parse(recorded);
  return new Date(Number.isNaN(expiry) ? now.getTime() : Math.max(now.getTime(), expiry + SWEEP_AFTER_URL_EXPIRY_MS));
}

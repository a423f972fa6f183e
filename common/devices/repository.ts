import type { Firestore } from 'firebase-admin/firestore';
import { documentConverter } from '../clients/firestore-documents';
import { type DeviceDocument, DeviceDocumentSchema, MAX_DEVICES_PER_MEMBER } from '../contracts/devices';
import { Collections } from '../contracts/scan-document';
import { erasureRef } from '../scans/refs';
import { erasureInProgress, userRef } from '../scans/repository';

// users/{uid}/devices/{installationId}: written by the devices endpoints, read (and pruned of dead
// tokens) by the FCM transport, deleted with the user document on erasure (Subcollections.users).

/** Documents are parsed as they are read: a device without the shape fails here, not at FCM. */
const deviceConverter = documentConverter(DeviceDocumentSchema);

export const devicesCollection = (db: Firestore, uid: string) =>
  userRef(db, uid).collection(Collections.devices).withConverter(deviceConverter);
export const deviceRef = (db: Firestore, uid: string, installationId: string) => devicesCollection(db, uid).doc(installationId);

/** Most recently refreshed first; the installation id breaks a tie, so the order (and who is dropped) is stable. */
const newestFirst = (a: DeviceDocument, b: DeviceDocument) =>
  b.updatedAt.localeCompare(a.updatedAt) || b.installationId.localeCompare(a.installationId);

/** The member's installations, most recently refreshed first. */
export async function listDevices(db: Firestore, uid: string): Promise<DeviceDocument[]> {
  return (await devicesCollection(db, uid).get()).docs.map((d) => d.data()).sort(newestFirst);
}

export type DeviceRegistration = Pick<DeviceDocument, 'token' | 'platform' | 'appVersion' | 'locale'>;

/**
 * Registers or refreshes one installation, in one transaction: its token replaces the one it had; another
 * installation of the member holding the same token gives it up (one phone, one delivery); beyond
 * MAX_DEVICES_PER_MEMBER the least recently refreshed are dropped. Refused while the member's erasure runs.
 */
export async function registerDevice(
  db: Firestore,
  uid: string,
  installationId: string,
  registration: DeviceRegistration,
  now: Date,
): Promise<{ device: DeviceDocument; created: boolean }> {
  return db.runTransaction(async (tx) => {
    const [erasure, all] = await Promise.all([tx.get(erasureRef(db, uid)), tx.get(devicesCollection(db, uid))]);
    if (erasure.data()?.status === 'running') throw erasureInProgress();
    const devices = all.docs.map((d) => d.data());
    const existing = devices.find((d) => d.installationId === installationId);
    const at = now.toISOString();
    const device: DeviceDocument = { installationId, ...registration, registeredAt: existing?.registeredAt ?? at, updatedAt: at };
    const others = devices.filter((d) => d.installationId !== installationId);
    const sameToken = others.filter((d) => d.token === registration.token);
    const kept = others.filter((d) => d.token !== registration.token).sort(newestFirst);
    for (const d of [...sameToken, ...kept.slice(MAX_DEVICES_PER_MEMBER - 1)]) tx.delete(deviceRef(db, uid, d.installationId));
    tx.set(deviceRef(db, uid, installationId), device);
    return { device, created: !existing };
  });
}

/** Removes one installation; removing one that is not there changes nothing. */
export async function removeDevice(db: Firestore, uid: string, installationId: string): Promise<void> {
  await deviceRef(db, uid, installationId).delete();
}

/**
 * Removes an installation whose token FCM called dead, unless the app has registered a new token for it
 * since it was read (then the new token stays).
 */
export async function removeDeadToken(db: Firestore, uid: string, installationId: string, token: string): Promise<boolean> {
  const ref = deviceRef(db, uid, installationId);
  return db.runTransaction(async (tx) => {
    if ((await tx.get(ref)).data()?.token !== token) return false;
    tx.delete(ref);
    return true;
  });
}

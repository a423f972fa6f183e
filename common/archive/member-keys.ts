import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { Firestore } from 'firebase-admin/firestore';
import { z } from 'zod';
import { documentConverter } from '../clients/firestore-documents';
import { erasureSequence } from '../contracts/erasure';
import { workflowIdForScan } from '../contracts/scan';
import { Collections } from '../contracts/scan-document';
import { appendAudit } from '../scans/audit-log';
import { erasureRef, latestErasure } from '../scans/member-data';
import { scanRef } from '../scans/repository';
import { payloadKeyId } from '../temporal/key-id';
import { canonicalJson } from './canonical-json';

// Crypto-shredding of the write-once archive. The archive is immutable for seven years, so a member's
// results in it cannot be deleted; they are made unreadable instead. Each member has a random data key
// (memberKeys/{uid} in Firestore, stored only wrapped by the archive key); when a scan's history is
// archived, every payload in it (already encrypted with the payload key) is encrypted again with its
// member's data key. Erasure deletes memberKeys/{uid}: from then on no key that remains (payload keys,
// archive key) opens that member's archived payloads, while the histories' identifiers, event types and
// checksums stay readable for the audit trail.
//
// The archive key is derived (HKDF-SHA256) from a payload key, so it lives where they live (Key Vault in
// Azure) and rotates with them: a wrapped key names the archive key that wrapped it, and the previous
// payload keys (PAYLOAD_DECRYPTION_KEYS) still unwrap what they wrapped.

export const MEMBER_SEALED_ENCODING = 'binary/member-sealed';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const MemberKeyDocumentSchema = z.object({
  /** base64(iv | AES-256-GCM(archive key, data key) | tag) */
  wrappedKey: z.string(),
  archiveKeyId: z.string(),
  keyId: z.string(),
  createdAt: z.string(),
});

export interface MemberDataKey {
  keyId: string;
  key: Buffer;
}

/** The archive keys (the current one first) derived from the payload keys (the current one first). */
export function archiveKeysFromPayloadKeys(payloadKeys: Buffer[]): Buffer[] {
  return payloadKeys.map((k) => Buffer.from(hkdfSync('sha256', k, Buffer.alloc(0), 'reddyfit archive member-key wrapping', 32)));
}

function seal(key: Buffer, plain: Buffer, iv = randomBytes(IV_BYTES)): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  return Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

function open(key: Buffer, sealed: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)), decipher.final()]);
}

const memberKeyConverter = documentConverter(MemberKeyDocumentSchema);
const memberKeyRef = (db: Firestore, userId: string) => db.collection(Collections.memberKeys).doc(userId).withConverter(memberKeyConverter);

function unwrap(doc: z.infer<typeof MemberKeyDocumentSchema>, archiveKeys: Buffer[]): MemberDataKey {
  const archiveKey = archiveKeys.find((k) => payloadKeyId(k) === doc.archiveKeyId);
  if (!archiveKey) throw new Error(`no archive key with id ${doc.archiveKeyId}`);
  return { keyId: doc.keyId, key: open(archiveKey, Buffer.from(doc.wrappedKey, 'base64')) };
}

/**
 * What the member's erasure records said when an archiver looked: the archive compares it before and after
 * it seals a history with the member's key (worker/activities/archive.ts).
 */
export type ErasureMark = { sequence: number; status: string; requestedAt: string } | null;

export async function erasureMarkOf(db: Firestore, userId: string): Promise<ErasureMark> {
  const latest = await latestErasure(db, userId);
  return latest ? { sequence: erasureSequence(latest), status: latest.status, requestedAt: latest.requestedAt } : null;
}

export const sameErasureMark = (a: ErasureMark, b: ErasureMark) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Whether a run that started at `startedAt` belongs to data the member's erasure deletes (or deleted):
 * their erasure is running, or the run started before the latest erasure was asked for. Such a history is
 * never archived: not with a member key (none may be created for it), and never under the payload key alone.
 */
export function isErasedPeriod(mark: ErasureMark, startedAt: Date): boolean {
  return mark !== null && (mark.status === 'running' || startedAt.getTime() < Date.parse(mark.requestedAt));
}

/**
 * The member's data key, created on first use, unless the member's erasure moved on since `seen` or is
 * running: then undefined, and nothing is created (the erasure record is read in the same transaction).
 */
export async function memberDataKeyUnlessErased(
  db: Firestore,
  archiveKeys: Buffer[],
  userId: string,
  now: Date,
  seen: ErasureMark,
): Promise<MemberDataKey | undefined> {
  const ref = memberKeyRef(db, userId);
  const stored = await db.runTransaction(async (tx) => {
    const [snap, erasure] = await Promise.all([tx.get(ref), tx.get(erasureRef(db, userId))]);
    const latest = erasure.data();
    const mark: ErasureMark = latest ? { sequence: erasureSequence(latest), status: latest.status, requestedAt: latest.requestedAt } : null;
    if (!sameErasureMark(mark, seen) || mark?.status === 'running') return undefined;
    const existing = snap.data();
    if (existing) return existing;
    const key = randomBytes(32);
    const doc = {
      wrappedKey: seal(archiveKeys[0]!, key).toString('base64'),
      archiveKeyId: payloadKeyId(archiveKeys[0]!),
      keyId: payloadKeyId(key),
      createdAt: now.toISOString(),
    };
    tx.create(ref, doc);
    return doc;
  });
  return stored ? unwrap(stored, archiveKeys) : undefined;
}

/** Destroys the member's data key if it is still the one with `keyId` (a key an erasure overtook). */
export async function destroyMemberDataKeyIfId(db: Firestore, userId: string, keyId: string): Promise<boolean> {
  const ref = memberKeyRef(db, userId);
  return db.runTransaction(async (tx) => {
    const snap = await tx.get(ref);
    if (snap.data()?.keyId !== keyId) return false;
    tx.delete(ref);
    return true;
  });
}

/** The member's data key if it still exists (undefined once erased). */
export async function existingMemberDataKey(db: Firestore, archiveKeys: Buffer[], userId: string): Promise<MemberDataKey | undefined> {
  const stored = (await memberKeyRef(db, userId).get()).data();
  return stored ? unwrap(stored, archiveKeys) : undefined;
}

/** Destroys the member's data key: their archived payloads become unreadable. Idempotent. */
export async function destroyMemberDataKey(db: Firestore, userId: string): Promise<boolean> {
  const ref = memberKeyRef(db, userId);
  const existed = (await ref.get()).exists;
  await ref.delete();
  return existed;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const isPayload = (v: Json): v is { metadata: { [k: string]: Json }; data?: Json } =>
  typeof v === 'object' &&
  v !== null &&
  !Array.isArray(v) &&
  typeof v.metadata === 'object' &&
  v.metadata !== null &&
  !Array.isArray(v.metadata) &&
  typeof v.metadata.encoding === 'string' &&
  Object.keys(v).every((k) => k === 'metadata' || k === 'data' || k === 'externalPayloads');
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

/**
 * Every payload of a history (the JSON `temporal workflow show --output json` prints) encrypted with the
 * member's data key. Deterministic (the IV is an HMAC of the payload under the key, as in SIV), so an
 * archived history keeps one checksum however often it is exported.
 */
export function sealHistoryPayloads(history: unknown, member: MemberDataKey): unknown {
  const walk = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    if (isPayload(v)) {
      // Key-sorted: protobuf maps (the metadata) come back from Temporal in no fixed order.
      const plain = Buffer.from(canonicalJson(v), 'utf8');
      const iv = createHmac('sha256', member.key).update(plain).digest().subarray(0, IV_BYTES);
      return {
        metadata: { encoding: b64(MEMBER_SEALED_ENCODING), 'member-key-id': b64(member.keyId) },
        data: seal(member.key, plain, iv).toString('base64'),
      };
    }
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
  };
  return walk(history as Json);
}

/** The inverse, with whatever member keys are at hand; a payload whose key is gone stays sealed. */
export function openHistoryPayloads(history: unknown, members: MemberDataKey[]): unknown {
  const byId = new Map(members.map((m) => [m.keyId, m.key]));
  const walk = (v: Json): Json => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    if (isPayload(v) && v.metadata.encoding === b64(MEMBER_SEALED_ENCODING)) {
      const keyId = Buffer.from(String(v.metadata['member-key-id'] ?? ''), 'base64').toString('utf8');
      const key = byId.get(keyId);
      return key ? (JSON.parse(open(key, Buffer.from(String(v.data), 'base64')).toString('utf8')) as Json) : v;
    }
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
  };
  return walk(history as Json);
}

/**
 * A scan history as archived, with its payloads opened by its member's key (read from the scan's owner),
 * for replay; undefined when that key is gone (the member was erased: the history stays unreadable).
 * Opening a member's history is a read of their data by someone else: it is audited first, naming who
 * opens it (`actor`), and not opened when the record cannot be written.
 */
export async function openArchivedScanHistory(
  db: Firestore,
  archiveKeys: Buffer[],
  workflowId: string,
  history: unknown,
  audit: { actor: string; now: () => Date },
) {
  if (!JSON.stringify(history).includes(b64(MEMBER_SEALED_ENCODING))) return history;
  const prefix = workflowIdForScan('');
  const scanId = workflowId.startsWith(prefix) ? workflowId.slice(prefix.length) : undefined;
  const owner = scanId ? (await scanRef(db, scanId).get()).data()?.ownerId : undefined;
  const key = owner ? await existingMemberDataKey(db, archiveKeys, owner) : undefined;
  if (!key || !owner) return undefined;
  await appendAudit(
    db,
    {
      scanId,
      userId: owner,
      action: 'archived_history_opened',
      outcome: 'opened',
      actor: audit.actor,
      subject: { workflowId: workflowId.slice(0, 64) },
    },
    audit.now(),
  );
  return openHistoryPayloads(history, [key]);
}

import { createHash } from 'node:crypto';
import type { Firestore, Transaction } from 'firebase-admin/firestore';
import { z } from 'zod';
import { Collections } from '../contracts/scan-document';
import { isAlreadyExists } from './already-exists';

// The one audit-record shape and its one writer, for the functions app and the worker alike.
// Identifiers and outcomes only: no weights, body-fat numbers, photos, URLs or anything a member typed.

export const AuditEntrySchema = z
  .object({
    /** Absent for account-level actions (consents). */
    scanId: z.string().optional(),
    userId: z.string(),
    action: z.string().regex(/^[a-z_]+$/),
    outcome: z.string().regex(/^[a-z_,.-]+$/),
    actor: z
      .string()
      .regex(/^(system:[a-z-]+|reviewer:[A-Za-z0-9_-]+|member:[A-Za-z0-9_-]+|operator:[A-Za-z0-9_-]+|share:[A-Za-z0-9_-]+)$/),
    /** Identifiers of what the action touched (a consent type, a text version, a revision). */
    subject: z.record(z.string().regex(/^[A-Za-z]{1,32}$/), z.union([z.string().max(64), z.number()])).optional(),
  })
  .strict();
export type AuditEntry = z.input<typeof AuditEntrySchema>;
/** An entry about one scan: keyed by scan and action, so it is written once. */
export type ScanAuditEntry = AuditEntry & { scanId: string };

/** What is stored: the entry and when it was written. */
export const AuditRecordSchema = AuditEntrySchema.extend({ at: z.string() });
export type AuditRecord = z.infer<typeof AuditRecordSchema>;

const auditLogs = (db: Firestore) => db.collection(Collections.auditLogs);

/** The stored record of an entry, checked against the schema (no free text slips in). */
export function auditRecord(entry: AuditEntry, at: Date): AuditRecord {
  return AuditRecordSchema.parse({ ...entry, at: at.toISOString() });
}

/** Where the one record of a scan's action lives: a retried activity or event finds it there. */
export const keyedAuditRef = (db: Firestore, scanId: string, action: string) => auditLogs(db).doc(`${scanId}_${action}`);

/**
 * Appends an audit record. An entry about a scan is keyed by scan and action and created once, so a
 * retried activity or event changes nothing; other entries are appended under a fresh id. With an
 * `occurrence` (an activity execution, common to its attempts) the key names it too: the action may
 * happen again in another execution.
 */
export async function writeAudit(db: Firestore, entry: AuditEntry, at: Date, occurrence?: string): Promise<void> {
  const doc = auditRecord(entry, at);
  if (!doc.scanId) {
    await auditLogs(db).add(doc);
    return;
  }
  const key = occurrence ? `${doc.action}_${createHash('sha256').update(occurrence).digest('hex').slice(0, 16)}` : doc.action;
  try {
    await keyedAuditRef(db, doc.scanId, key).create(doc);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

/** Appends a record under a fresh id: for events that happen again and again (each read of a member's data). */
export async function appendAudit(db: Firestore, entry: AuditEntry, at: Date): Promise<void> {
  await auditLogs(db).add(auditRecord(entry, at));
}

/** The same record, written as part of a transaction that changes what it describes. */
export function writeAuditInTransaction(tx: Transaction, db: Firestore, entry: AuditEntry, at: Date): void {
  tx.create(auditLogs(db).doc(), auditRecord(entry, at));
}

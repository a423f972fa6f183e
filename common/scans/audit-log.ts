import { createHash } from 'node:crypto';
import type { Firestore, Transaction } from 'firebase-admin/firestore';
import { z } from 'zod';
import { firestoreSdk } from '../clients/sdk-modules';
import { Collections } from '../contracts/scan-document';
import { isAlreadyExists } from './already-exists';

// The one audit-record shape and its one writer, for the functions app and the worker alike.
// Identifiers and outcomes only: no weights, body-fat numbers, photos, URLs or anything a member typed.
//
// Records are created, never updated: every write is a Firestore `create` under an id no other record
// can have, so a repeated action (a second refused decision, another cancel request, every read) is a
// new record and nothing is ever overwritten. Concurrent writers never compete for an id or a number:
//   - a record written by an activity has an attempt-stable id, derived from the activity execution
//     (workflow, run, activity id; the same for each of its attempts): a retry after a crash finds the
//     record its earlier attempt wrote and writes nothing;
//   - every other record (a request, an event, a refusal) gets a fresh random id: each call is an action.
// Firestore stamps each record with its commit time (`recordedAt`, a server timestamp). The order of the
// records, and so each record's sequence number, is (recordedAt, id): the nightly archive writes them in
// that order as a hash-chained file numbered 1, 2, 3… (common/archive/audit-trail.ts).

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
/** An entry about one scan. */
export type ScanAuditEntry = AuditEntry & { scanId: string };

/** A Firestore timestamp as read back (the SDK's Timestamp has these two getters). */
const RecordedAtSchema = z.object({ seconds: z.number().int(), nanoseconds: z.number().int().min(0) });

/**
 * What is stored: the entry, when the action happened (`at`, the writer's clock) and when Firestore
 * committed the record (`recordedAt`; absent in records written before the archived trail existed).
 */
export const AuditRecordSchema = AuditEntrySchema.extend({ at: z.string(), recordedAt: RecordedAtSchema.optional() });
export type AuditRecord = z.infer<typeof AuditRecordSchema>;

/** The field the archive's trail selects and orders records by (common/archive/audit-trail.ts). */
export const RECORDED_AT = 'recordedAt';

export const auditLogs = (db: Firestore) => db.collection(Collections.auditLogs);

/** The stored record of an entry, checked against the schema (no free text slips in). */
function auditRecord(entry: AuditEntry, at: Date): AuditRecord {
  return AuditRecordSchema.parse({ ...entry, at: at.toISOString() });
}

/** What a create writes: the checked record and the commit time, which Firestore fills in. */
const stored = (entry: AuditEntry, at: Date) => ({ ...auditRecord(entry, at), [RECORDED_AT]: firestoreSdk().FieldValue.serverTimestamp() });

/**
 * The id of a record an activity writes: the same for every attempt of one activity execution
 * (`occurrence`, see activityOccurrence) and the same entry, different for anything else. `nth` tells apart
 * two records of the same action written by one execution.
 */
function occurrenceAuditId(entry: AuditEntry, occurrence: string, nth = 0): string {
  const digest = createHash('sha256').update(`${occurrence}\n${entry.action}\n${nth}`).digest('hex').slice(0, 24);
  return `${entry.scanId ?? entry.userId}_${entry.action}_${digest}`;
}

/** Where a record goes: attempt-stable under an activity execution, otherwise a fresh random id. */
const recordRef = (db: Firestore, entry: AuditEntry, occurrence: string | undefined, nth = 0) =>
  occurrence ? auditLogs(db).doc(occurrenceAuditId(entry, occurrence, nth)) : auditLogs(db).doc();

/**
 * Creates an audit record. Under an activity execution (`occurrence`), a retry of it finds the record its
 * earlier attempt wrote and writes nothing; otherwise every call is a new record.
 */
export async function writeAudit(db: Firestore, entry: AuditEntry, at: Date, occurrence?: string): Promise<void> {
  try {
    await recordRef(db, entry, occurrence).create(stored(entry, at));
  } catch (err) {
    // Only an attempt-stable id can be taken: by an earlier attempt of the same execution.
    if (!(occurrence && isAlreadyExists(err))) throw err;
  }
}

/** For events that happen again and again (each read of a member's data, each refusal): a new record each time. */
export const appendAudit = (db: Firestore, entry: AuditEntry, at: Date): Promise<void> => writeAudit(db, entry, at);

/**
 * The records of `entries`, as part of a transaction that changes what they describe. Firestore wants
 * every read before any write, so this reads first (under an activity execution: whether an earlier
 * attempt's transaction wrote them) and returns the function that creates the missing ones, to call once
 * the transaction writes.
 */
export async function prepareAudits(
  tx: Transaction,
  db: Firestore,
  entries: readonly AuditEntry[],
  occurrence?: string,
): Promise<(at: Date) => void> {
  const seen = new Map<string, number>();
  const refs = entries.map((entry) => {
    const nth = seen.get(entry.action) ?? 0;
    seen.set(entry.action, nth + 1);
    return recordRef(db, entry, occurrence, nth);
  });
  const exists = occurrence ? await Promise.all(refs.map(async (ref) => (await tx.get(ref)).exists)) : refs.map(() => false);
  return (at) =>
    entries.forEach((entry, i) => {
      if (!exists[i]) tx.create(refs[i]!, stored(entry, at));
    });
}

/** One record written as part of a transaction that changes what it describes (a request's; fresh id). */
export function writeAuditInTransaction(tx: Transaction, db: Firestore, entry: AuditEntry, at: Date): void {
  tx.create(auditLogs(db).doc(), stored(entry, at));
}

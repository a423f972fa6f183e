// The audit trail in the write-once archive: each night the window's audit records (auditLogs whose
// commit time `recordedAt` is in the window) are written beside the window's manifest as one JSON-lines
// file in which every record's hash covers the one before it. Firestore keeps the live records; the
// archive keeps what they were. A record edited or deleted since (in Firestore, or in the file) is named
// by `npm run archive:verify`.
//
// File: a header line, then one line per record in trail order (recordedAt, then id), numbered from 1:
//   {"kind":"reddyfit.audit-trail","version":1,"window":{…},"genesis":"<sha256>"}
//   {"n":1,"id":"<doc id>","record":{…as stored…},"prev":"<genesis>","hash":"<sha256(prev \n canonical {n,id,record})>"}
// and a last line {"count":N,"last":"<hash of the last record>"} so a cut-off tail is seen too.
// Why commit time rather than the record's own `at`: a record is committed once, so a window that has
// ended can gain no record after it; `at` is the writer's clock and may be earlier than the commit.
import type { Firestore } from 'firebase-admin/firestore';
import { z } from 'zod';
import { firestoreSdk } from '../clients/sdk-modules';
import type { ArchiveWindow } from '../contracts/archive';
import { Collections } from '../contracts/scan-document';
import { AuditRecordSchema, auditLogs, RECORDED_AT } from '../scans/audit-log';
import { canonicalJson } from './canonical-json';
import { sha256Hex } from './store';

export const AUDIT_TRAIL_FORMAT = 'reddyfit.audit-trail.v1;jsonl;sha256-chain';

const HeaderSchema = z.object({
  kind: z.literal('reddyfit.audit-trail'),
  version: z.literal(1),
  window: z.object({ from: z.string(), to: z.string() }),
  genesis: z.string().regex(/^[0-9a-f]{64}$/),
});
const LineSchema = z.object({
  n: z.number().int().positive(),
  id: z.string().min(1),
  record: z.record(z.string(), z.unknown()),
  prev: z.string().regex(/^[0-9a-f]{64}$/),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
});
const FooterSchema = z.object({ count: z.number().int().nonnegative(), last: z.string().regex(/^[0-9a-f]{64}$/) });

/** Where a window's chain starts: bound to the window, so a file cannot pass for another window's. */
export const auditChainGenesis = (w: Pick<ArchiveWindow, 'from' | 'to'>) => sha256Hex(`reddyfit.audit-trail.v1\n${w.from}\n${w.to}`);

const linkHash = (prev: string, n: number, id: string, record: unknown) => sha256Hex(`${prev}\n${canonicalJson({ n, id, record })}`);

/** The window's audit trail file for records already in trail order (auditRecordsInWindow). */
export function buildAuditTrail(w: Pick<ArchiveWindow, 'from' | 'to'>, records: ReadonlyArray<{ id: string; record: unknown }>) {
  const genesis = auditChainGenesis(w);
  const lines = [canonicalJson({ kind: 'reddyfit.audit-trail', version: 1, window: { from: w.from, to: w.to }, genesis })];
  let prev = genesis;
  records.forEach(({ id, record }, i) => {
    const hash = linkHash(prev, i + 1, id, record);
    lines.push(canonicalJson({ n: i + 1, id, record, prev, hash }));
    prev = hash;
  });
  lines.push(canonicalJson({ count: records.length, last: prev }));
  return { text: `${lines.join('\n')}\n`, count: records.length, last: prev };
}

export interface AuditTrailProblem {
  /** `auditLogs/{id}` for a record, or the file's position. */
  where: string;
  problem:
    | 'audit_trail_unreadable'
    | 'audit_chain_broken'
    | 'audit_record_removed_from_trail'
    | 'audit_record_edited'
    | 'audit_record_deleted'
    | 'audit_record_not_in_trail';
  detail?: string;
}

/**
 * Checks a trail file on its own: every line's hash recomputed from its content and the line before (an
 * edited line breaks at itself), every `prev` the hash before it and every `n` the next number (a removed
 * line breaks the link after it), and the footer's count and last hash (a cut-off tail). Returns the
 * records as archived, by id, for the comparison with the live ones.
 */
export function verifyAuditTrail(w: Pick<ArchiveWindow, 'from' | 'to'>, text: string) {
  const problems: AuditTrailProblem[] = [];
  const archived = new Map<string, unknown>();
  const rows = text.split('\n').filter((l) => l.length > 0);
  const parse = <T>(schema: z.ZodType<T>, raw: string | undefined): T | undefined => {
    try {
      const r = schema.safeParse(JSON.parse(raw ?? ''));
      return r.success ? r.data : undefined;
    } catch {
      return undefined;
    }
  };
  const header = parse(HeaderSchema, rows[0]);
  const footer = parse(FooterSchema, rows.at(-1));
  if (!header || header.genesis !== auditChainGenesis(w) || header.window.from !== w.from || header.window.to !== w.to) {
    problems.push({ where: 'line 1', problem: 'audit_trail_unreadable', detail: 'no header for this window' });
    return { problems, archived };
  }
  let prev = header.genesis;
  let expectedN = 1;
  for (const [i, raw] of rows.slice(1, footer ? -1 : undefined).entries()) {
    const line = parse(LineSchema, raw);
    if (!line) {
      problems.push({ where: `line ${i + 2}`, problem: 'audit_trail_unreadable', detail: 'not a trail line' });
      continue;
    }
    archived.set(line.id, line.record);
    const where = `${Collections.auditLogs}/${line.id}`;
    if (linkHash(line.prev, line.n, line.id, line.record) !== line.hash)
      problems.push({
        where,
        problem: 'audit_chain_broken',
        detail: `record ${line.n} does not hash to its recorded hash (edited in the trail)`,
      });
    if (line.prev !== prev || line.n !== expectedN)
      problems.push({
        where,
        problem: 'audit_record_removed_from_trail',
        detail: `the link before record ${line.n} is broken: expected record ${expectedN} after the hash ${prev.slice(0, 12)}…`,
      });
    prev = line.hash;
    expectedN = line.n + 1;
  }
  if (!footer || footer.last !== prev || footer.count !== expectedN - 1)
    problems.push({
      where: `line ${rows.length}`,
      problem: 'audit_record_removed_from_trail',
      detail: footer ? `the trail ends after record ${expectedN - 1}, its footer says ${footer.count}` : 'the footer is missing',
    });
  return { problems, archived };
}

/** A stored record as plain JSON: every field as stored, a Firestore timestamp as `{seconds, nanoseconds}`. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') {
    if (typeof (value as { toMillis?: unknown }).toMillis === 'function') {
      const ts = value as { seconds: number; nanoseconds: number };
      return { seconds: ts.seconds, nanoseconds: ts.nanoseconds };
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

/** A record of the trail: every stored field is kept (an added field is a change too); it must carry its commit time. */
const StoredRecordSchema = z.looseObject({ [RECORDED_AT]: AuditRecordSchema.shape.recordedAt.unwrap() });
export type TrailRecord = { id: string; record: z.infer<typeof StoredRecordSchema> };

/** The trail's order: commit time, then document id (as Firestore breaks ties). */
function trailOrder(a: TrailRecord, b: TrailRecord): number {
  const x = a.record[RECORDED_AT];
  const y = b.record[RECORDED_AT];
  return x.seconds - y.seconds || x.nanoseconds - y.nanoseconds || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * The window's records as stored now (`recordedAt` in [from, to)), in trail order. Paged by key, not by
 * query cursor: the local Firestore stand-in ignores cursors and would answer the first page for ever
 * (functions/scans/keyset-page.ts has the same reason). `onPage` is told how many were read so far (the
 * archive activity heartbeats with it).
 */
export async function auditRecordsInWindow(
  db: Firestore,
  w: Pick<ArchiveWindow, 'from' | 'to'>,
  opts: { pageSize?: number; onPage?: (read: number) => void } = {},
): Promise<TrailRecord[]> {
  const { Timestamp, FieldPath } = firestoreSdk();
  const pageSize = opts.pageSize ?? 500;
  const to = Timestamp.fromDate(new Date(w.to));
  const found = new Map<string, TrailRecord>();
  let cursor: TrailRecord | undefined;
  for (;;) {
    const from = cursor
      ? new Timestamp(cursor.record[RECORDED_AT].seconds, cursor.record[RECORDED_AT].nanoseconds)
      : Timestamp.fromDate(new Date(w.from));
    const query = auditLogs(db)
      .where(RECORDED_AT, '>=', from)
      .where(RECORDED_AT, '<', to)
      .orderBy(RECORDED_AT)
      .orderBy(FieldPath.documentId());
    let page: TrailRecord[] = [];
    let complete = false;
    // Records tied with the cursor's time at or before its id were read already; read more when a page was all ties.
    for (let fetch = pageSize; ; fetch *= 4) {
      const docs = (await query.limit(fetch).get()).docs;
      page = docs.map((d) => ({ id: d.id, record: StoredRecordSchema.parse(plain(d.data())) }));
      if (cursor) page = page.filter((r) => trailOrder(r, cursor!) > 0);
      complete = docs.length < fetch;
      if (page.length > 0 || complete) break;
    }
    for (const r of page) found.set(r.id, r);
    opts.onPage?.(found.size);
    if (complete || page.length === 0) break;
    cursor = page.at(-1);
  }
  return [...found.values()].sort(trailOrder);
}

/** The live records against the archived ones: each edited, deleted or unarchived record by its id. */
export function compareWithLive(archived: Map<string, unknown>, live: ReadonlyArray<{ id: string; record: unknown }>): AuditTrailProblem[] {
  const problems: AuditTrailProblem[] = [];
  const seen = new Set<string>();
  for (const { id, record } of live) {
    seen.add(id);
    const where = `${Collections.auditLogs}/${id}`;
    if (!archived.has(id)) problems.push({ where, problem: 'audit_record_not_in_trail', detail: 'stored now, not in the archived trail' });
    else if (canonicalJson(archived.get(id)) !== canonicalJson(record))
      problems.push({ where, problem: 'audit_record_edited', detail: 'differs from the archived record' });
  }
  for (const id of archived.keys())
    if (!seen.has(id))
      problems.push({ where: `${Collections.auditLogs}/${id}`, problem: 'audit_record_deleted', detail: 'archived, no longer stored' });
  return problems;
}

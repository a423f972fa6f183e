// Verifies a window's archive against Temporal: every closed execution has its blob, every blob's bytes
// hash to the checksum in its metadata and in the manifest, and the counts agree. With the database, also
// the window's audit trail: its hash chain, and the live audit records against it (common/archive/audit-trail.ts).
import type { ContainerClient } from '@azure/storage-blob';
import type { Client } from '@temporalio/client';
import type { Firestore } from 'firebase-admin/firestore';
import { ArchiveMetadata, type ArchiveWindow, type ManifestEntry, ManifestEntrySchema } from '../contracts/archive';
import { type AuditTrailProblem, auditRecordsInWindow, compareWithLive, verifyAuditTrail } from './audit-trail';
import { auditTrailPath, closedInWindowQuery, historyBlobPath, manifestBase } from './layout';
import { downloadText, findManifestBlob, readGzipBlob, sha256Hex } from './store';

export interface VerifyProblem {
  /** The blob concerned (or the manifest). */
  blob: string;
  problem:
    | 'missing'
    | 'unreadable'
    | 'checksum_mismatch'
    | 'metadata_mismatch'
    | 'not_in_manifest'
    | 'not_closed_in_window'
    | 'manifest_missing'
    | 'count_mismatch'
    | 'audit_trail_missing'
    | 'audit_trail_revised'
    | AuditTrailProblem['problem'];
  detail?: string;
}

export interface VerifyReport {
  ok: boolean;
  window: ArchiveWindow;
  manifest?: string;
  closedExecutions: number;
  manifestCount: number;
  verifiedBlobs: number;
  /** Records in the window's audit trail (when the database was given). */
  auditRecords?: number;
  problems: VerifyProblem[];
}

/** The window's audit trail: its checksum and chain, then each live record against it; every problem names a record or a line. */
async function verifyWindowAuditTrail(container: ContainerClient, db: Firestore, window: ArchiveWindow) {
  const problems: VerifyProblem[] = [];
  const path = auditTrailPath(window);
  const blob = container.getBlockBlobClient(path);
  if (!(await blob.exists())) return { problems: [{ blob: path, problem: 'audit_trail_missing' as const }], records: 0 };
  const [text, props] = await Promise.all([downloadText(blob), blob.getProperties()]);
  const recorded = props.metadata?.[ArchiveMetadata.sha256];
  if (sha256Hex(text) !== recorded)
    problems.push({ blob: path, problem: 'checksum_mismatch', detail: `stored ${sha256Hex(text)}, metadata ${recorded ?? '(none)'}` });
  const { problems: chain, archived } = verifyAuditTrail(window, text);
  const live = await auditRecordsInWindow(db, window);
  for (const p of [...chain, ...compareWithLive(archived, live)])
    problems.push({ blob: p.where.startsWith('line') ? `${path} ${p.where}` : p.where, problem: p.problem, detail: p.detail });
  // A revision means the records changed after the night's export (it is the alert the export raised).
  for await (const b of container.listBlobsFlat({ prefix: `${manifestBase(window)}.audit-trail.` }))
    if (b.name !== path)
      problems.push({ blob: b.name, problem: 'audit_trail_revised', detail: "the window's records changed after the trail was written" });
  return { problems, records: archived.size };
}

export async function verifyArchive(opts: {
  client: Client;
  container: ContainerClient;
  window: ArchiveWindow;
  concurrency?: number;
  onProgress?: (verified: number) => void;
  /** The database whose audit records the window's trail is checked against; without it the trail is not checked. */
  db?: Firestore;
}): Promise<VerifyReport> {
  const { client, container, window } = opts;
  const problems: VerifyProblem[] = [];

  // The manifest: what the job says it archived (kept in memory as blob → checksum; about 100 bytes a run).
  const manifestBlob = await findManifestBlob(container, window);
  const listed = new Map<string, ManifestEntry>();
  let manifestCount = 0;
  if (!manifestBlob) {
    problems.push({ blob: '(manifest)', problem: 'manifest_missing', detail: 'no manifest for this window' });
  } else {
    const manifest = JSON.parse(await downloadText(manifestBlob)) as { entries: unknown[]; count: number };
    manifestCount = manifest.count;
    for (const raw of manifest.entries) {
      const e = ManifestEntrySchema.parse(raw);
      listed.set(e.blob, e);
    }
    if (manifest.entries.length !== manifest.count) {
      problems.push({
        blob: manifestBlob.name,
        problem: 'count_mismatch',
        detail: `manifest lists ${manifest.entries.length} entries but says ${manifest.count}`,
      });
    }
  }

  // Temporal's side, streamed page by page; each blob re-read and re-hashed with bounded concurrency.
  let closed = 0;
  let verified = 0;
  const inFlight = new Set<Promise<void>>();
  const limit = opts.concurrency ?? 8;
  const check = async (blobPath: string) => {
    const expected = listed.get(blobPath);
    listed.delete(blobPath);
    const blob = container.getBlockBlobClient(blobPath);
    try {
      const read = await readGzipBlob(blob);
      const metaSha = read.metadata[ArchiveMetadata.sha256];
      if (metaSha !== read.sha256) {
        problems.push({
          blob: blobPath,
          problem: 'checksum_mismatch',
          detail: `content hashes to ${read.sha256}, metadata says ${metaSha ?? '(none)'}`,
        });
      } else if (expected && expected.sha256 !== read.sha256) {
        problems.push({
          blob: blobPath,
          problem: 'metadata_mismatch',
          detail: `content hashes to ${read.sha256}, manifest says ${expected.sha256}`,
        });
      } else {
        verified++;
        opts.onProgress?.(verified);
      }
    } catch (err) {
      const status = (err as { statusCode?: number }).statusCode;
      problems.push(
        status === 404 ? { blob: blobPath, problem: 'missing' } : { blob: blobPath, problem: 'unreadable', detail: (err as Error).message },
      );
    }
    if (!expected && manifestBlob) problems.push({ blob: blobPath, problem: 'not_in_manifest' });
  };
  for await (const wf of opts.client.workflow.list({ query: closedInWindowQuery(window), pageSize: 500 })) {
    closed++;
    const p = check(
      historyBlobPath({ workflowId: wf.workflowId, runId: wf.runId, closeTime: (wf.closeTime ?? new Date(0)).toISOString() }),
    ).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= limit) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);

  for (const blob of listed.keys())
    problems.push({ blob, problem: 'not_closed_in_window', detail: 'in the manifest but not among the closed executions' });
  if (manifestBlob && manifestCount !== closed) {
    problems.push({
      blob: manifestBlob.name,
      problem: 'count_mismatch',
      detail: `${closed} closed executions in the window, manifest lists ${manifestCount}`,
    });
  }
  const trail = opts.db ? await verifyWindowAuditTrail(container, opts.db, window) : undefined;
  problems.push(...(trail?.problems ?? []));
  problems.sort((a, b) => a.blob.localeCompare(b.blob));
  return {
    ok: problems.length === 0,
    window,
    manifest: manifestBlob?.name,
    closedExecutions: closed,
    manifestCount,
    verifiedBlobs: verified,
    ...(trail ? { auditRecords: trail.records } : {}),
    problems,
  };
}

// Archive activities: export closed workflow histories to Blob, once each, and the window's manifest.
//
// A page of closed executions is listed from visibility and archived with bounded concurrency; each
// history is fetched as Temporal stores it (payloads stay encoded, so encrypted when the codec is on),
// serialised the way `temporal workflow show --output json` does (keys sorted), checksummed, gzip'd and written with
// `If-None-Match: *`. Memory holds at most one page of listings plus `concurrency` histories in flight,
// whatever the size of the window.
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import type { temporal } from '@temporalio/proto';
import { z } from 'zod';
import { AUDIT_TRAIL_FORMAT, auditRecordsInWindow, buildAuditTrail } from '../../common/archive/audit-trail';
import { canonicalJson } from '../../common/archive/canonical-json';
import {
  auditTrailPath,
  auditTrailRevisionPath,
  closedInWindowQuery,
  closeStatusName,
  historyBlobPath,
  manifestPartKey,
  manifestPartPath,
  manifestPath,
  manifestRevisionPath,
} from '../../common/archive/layout';
import {
  destroyMemberDataKeyIfId,
  erasureMarkOf,
  isErasedPeriod,
  memberDataKeyUnlessErased,
  sameErasureMark,
  sealHistoryPayloads,
} from '../../common/archive/member-keys';
import { downloadText, sha256Hex, writeOnce } from '../../common/archive/store';
import { isBlobStatus } from '../../common/clients/blob-errors';
import {
  ARCHIVE_FORMAT,
  type ArchiveCounts,
  ArchiveFailureType,
  ArchiveMetadata,
  type ArchivePageInput,
  ArchivePageInputSchema,
  type ArchivePageResult,
  type ArchiveWindow,
  type ArchiveWorkflowResult,
  type ManifestEntry,
  type WriteManifestInput,
  WriteManifestInputSchema,
  zeroCounts,
} from '../../common/contracts/archive';
import { UserIdSchema, workflowIdForScan } from '../../common/contracts/scan';
import { DAILY_SCAN_WORKFLOW } from '../../common/contracts/workflow-types';
import { scanRef } from '../../common/scans/repository';
import type { ActivityDeps } from './deps';
import { parseOrFail } from './validate';

const gzipAsync = promisify(gzip);
/** The one field of a scan run's input the archive reads: whose it is. */
const RunOwnerSchema = z.object({ userId: UserIdSchema });
type ExecutionInfo = temporal.api.workflow.v1.IWorkflowExecutionInfo;

/** Heartbeat details of a page: how far the contiguous prefix of its executions is archived. */
interface PageProgress {
  page: number;
  done: number;
  counts: ArchiveCounts;
  conflictBlobs: string[];
  /** Scan histories not archived (an erased member's data); absent in details recorded before. */
  withheldBlobs?: string[];
}

function timestampIso(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): string {
  const ms = Number(ts?.seconds ?? 0) * 1000 + Math.floor((ts?.nanos ?? 0) / 1e6);
  return new Date(ms).toISOString();
}

/** Runs `fn` over `items` with at most `limit` at once; results stay in input order. */
async function boundedMap<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!, i);
      }
    }),
  );
  return out;
}

export function createArchiveActivities(deps: ActivityDeps) {
  const container = () => (deps.dataBlob ?? deps.blob).getContainerClient(deps.archivesContainer);
  const client = (): Client => {
    if (deps.temporal) return deps.temporal;
    throw ApplicationFailure.create({
      type: ArchiveFailureType.NotConfigured,
      message: 'the worker has no Temporal client for archiving',
      nonRetryable: true,
    });
  };

  /**
   * Who a scan's history belongs to: its scan document's owner or, with the document gone (the member
   * erased meanwhile), the member the run was started for (its input, opened with the payload codec).
   * `nobody` for a run whose input names no member (nothing of a member's to seal); `unknown` when the
   * input cannot be opened.
   */
  async function ownerOf(
    workflowId: string,
    history: temporal.api.history.v1.IHistory,
  ): Promise<{ kind: 'member'; userId: string } | { kind: 'nobody' } | { kind: 'unknown' }> {
    const scanId = workflowId.startsWith(workflowIdForScan('')) ? workflowId.slice(workflowIdForScan('').length) : '';
    const owner = scanId ? (await scanRef(deps.db, scanId).get()).data()?.ownerId : undefined;
    if (owner) return { kind: 'member', userId: owner };
    const payloads = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
    let input: unknown;
    try {
      input = await decodeFromPayloadsAtIndex(client().options.loadedDataConverter, 0, payloads);
    } catch {
      return { kind: 'unknown' };
    }
    const named = RunOwnerSchema.safeParse(input);
    if (named.success) return { kind: 'member', userId: named.data.userId };
    return input && typeof input === 'object' && !('userId' in input) ? { kind: 'nobody' } : { kind: 'unknown' };
  }

  /**
   * How a scan's history may be archived: sealed with its member's data key, checked against the member's
   * erasure record before the key is taken and again after the write (an erasure that began in between
   * gets the key destroyed again: the history stays unreadable). Withheld (not written at all) when the
   * run's member cannot be told, when the run belongs to an erased period or the erasure is running (no
   * key is created then), so no history of a member's scan is ever archived under the payload key alone.
   * Histories of other types (the archive's own, an erasure's: identifiers only) and scan runs whose input
   * names no member are archived as Temporal holds them.
   */
  async function sealingFor(exec: ExecutionInfo, history: temporal.api.history.v1.IHistory) {
    const workflowType = exec.type?.name ?? '';
    if (workflowType !== DAILY_SCAN_WORKFLOW) return { kind: 'plain' as const };
    const workflowId = exec.execution?.workflowId ?? '';
    const owner = await ownerOf(workflowId, history);
    if (owner.kind === 'nobody') {
      Context.current().log.warn('scan history that names no member: archived without a member key', { workflowId });
      return { kind: 'plain' as const };
    }
    if (owner.kind === 'unknown') {
      Context.current().log.warn('scan history whose member cannot be told: not archived', { workflowId });
      return { kind: 'withheld' as const };
    }
    const { userId } = owner;
    const before = await erasureMarkOf(deps.db, userId);
    const startedAt = new Date(timestampIso(exec.startTime));
    const member = isErasedPeriod(before, startedAt)
      ? undefined
      : await memberDataKeyUnlessErased(deps.db, deps.archiveKeys, userId, deps.now(), before);
    if (!member) {
      Context.current().log.warn("scan history of an erased member's data: not archived", { workflowId });
      return { kind: 'withheld' as const };
    }
    const recheck = async () => {
      if (sameErasureMark(before, await erasureMarkOf(deps.db, userId))) return;
      await destroyMemberDataKeyIfId(deps.db, userId, member.keyId);
      Context.current().log.warn('erasure began while a scan history was archived: its member key destroyed', { workflowId });
    };
    return { kind: 'sealed' as const, member, recheck };
  }

  /**
   * The window's audit records as a hash-chained file, written once beside the manifest. Records that
   * changed after it was written (edited or deleted) give another file: a revision beside it, never an
   * overwrite, and the alert `AuditTrailChanged`; `archive:verify` names the records.
   */
  async function exportAuditTrail(w: ArchiveWindow): Promise<NonNullable<ArchiveWorkflowResult['manifest']['auditTrail']>> {
    const ctx = Context.current();
    // A day's records are read a page at a time; each page is a heartbeat, so a long read is not taken for a dead worker.
    const records = await auditRecordsInWindow(deps.db, w, { onPage: (read) => ctx.heartbeat(`audit-trail:${read}`) });
    const trail = buildAuditTrail(w, records);
    const body = Buffer.from(trail.text, 'utf8');
    const sha256 = sha256Hex(body);
    const options = {
      sha256,
      contentType: 'application/x-ndjson',
      metadata: { [ArchiveMetadata.format]: AUDIT_TRAIL_FORMAT, count: String(trail.count) },
    };
    const target = auditTrailPath(w);
    const first = await writeOnce(container().getBlockBlobClient(target), body, options);
    if (first.outcome !== 'conflict') return { blob: target, sha256, count: trail.count, outcome: first.outcome };
    const revision = auditTrailRevisionPath(w, sha256);
    const rev = await writeOnce(container().getBlockBlobClient(revision), body, options);
    if (rev.outcome === 'conflict') throw new Error(`audit trail revision ${revision} exists with other content`);
    ctx.log.warn('audit records of an archived window changed since its trail was written; wrote a revision', {
      alert: 'AuditTrailChanged',
      auditTrail: target,
      revision,
    });
    return { blob: revision, sha256, count: trail.count, outcome: 'revised' };
  }

  /** One history: fetch, serialise, checksum, gzip, write once. Conflicts are reported, never overwritten. */
  async function archiveOne(
    exec: ExecutionInfo,
  ): Promise<{ entry?: ManifestEntry; outcome: 'written' | 'already_archived' | 'conflict' | 'withheld'; blob: string }> {
    const workflowId = exec.execution?.workflowId ?? '';
    const runId = exec.execution?.runId ?? '';
    const closeTime = timestampIso(exec.closeTime);
    const blobPath = historyBlobPath({ workflowId, runId, closeTime });
    const history = await client().workflow.getHandle(workflowId, runId).fetchHistory();
    const workflowType = exec.type?.name ?? '';
    // A scan's payloads are sealed again with its member's data key (crypto-shredding on erasure).
    const sealing = await sealingFor(exec, history);
    if (sealing.kind === 'withheld') return { outcome: 'withheld', blob: blobPath };
    const parsed: unknown = JSON.parse(historyToJSON(history));
    // The `temporal workflow show --output json` form, keys sorted: Temporal returns protobuf maps in no
    // fixed order, and an unchanged history must always get the same checksum.
    const json = canonicalJson(sealing.kind === 'sealed' ? sealHistoryPayloads(parsed, sealing.member) : parsed);
    const sha256 = sha256Hex(json);
    const gz = await gzipAsync(json);
    const closeStatus = closeStatusName(exec.status);
    const eventCount = history.events?.length ?? 0;
    const { outcome, existingSha256, storedBytes } = await writeOnce(container().getBlockBlobClient(blobPath), gz, {
      sha256,
      contentType: 'application/gzip',
      metadata: {
        [ArchiveMetadata.workflowId]: encodeURIComponent(workflowId),
        [ArchiveMetadata.runId]: runId,
        [ArchiveMetadata.workflowType]: encodeURIComponent(workflowType),
        [ArchiveMetadata.closeStatus]: closeStatus,
        [ArchiveMetadata.closeTime]: closeTime,
        [ArchiveMetadata.eventCount]: String(eventCount),
        [ArchiveMetadata.format]: ARCHIVE_FORMAT,
      },
    });
    if (sealing.kind === 'sealed') await sealing.recheck();
    if (outcome === 'conflict') {
      // An alert: the archive holds another history under this run's name. Identifiers only in the log.
      Context.current().log.error('archived history differs from Temporal; not overwritten', {
        alert: ArchiveFailureType.ChecksumConflict,
        blob: blobPath,
        workflowId,
        runId,
        archivedSha256: existingSha256,
        temporalSha256: sha256,
      });
      return { outcome, blob: blobPath };
    }
    return {
      outcome,
      blob: blobPath,
      entry: { blob: blobPath, workflowId, runId, workflowType, closeStatus, closeTime, eventCount, sha256, bytes: storedBytes },
    };
  }

  /** The manifest entry of a history an earlier attempt archived, from its blob's metadata (no re-export). */
  async function entryFromBlob(exec: ExecutionInfo): Promise<ManifestEntry> {
    const workflowId = exec.execution?.workflowId ?? '';
    const runId = exec.execution?.runId ?? '';
    const closeTime = timestampIso(exec.closeTime);
    const blobPath = historyBlobPath({ workflowId, runId, closeTime });
    const props = await container().getBlockBlobClient(blobPath).getProperties();
    const m = props.metadata ?? {};
    return {
      blob: blobPath,
      workflowId,
      runId,
      workflowType: exec.type?.name ?? '',
      closeStatus: closeStatusName(exec.status),
      closeTime,
      eventCount: Number(m[ArchiveMetadata.eventCount] ?? 0),
      sha256: m[ArchiveMetadata.sha256] ?? '',
      bytes: props.contentLength ?? 0,
    };
  }

  return {
    /**
     * Archives one page of the window's closed executions. Heartbeats the archived prefix of the page;
     * a retry (after a worker crash) resumes from it. Returns the next page's token.
     */
    async archivePage(raw: ArchivePageInput): Promise<ArchivePageResult> {
      const input = parseOrFail(ArchivePageInputSchema, raw, 'archive page');
      const ctx = Context.current();
      const temporal = client();
      const listed = await temporal.workflowService.listWorkflowExecutions({
        namespace: temporal.options.namespace,
        pageSize: input.pageSize,
        nextPageToken: input.pageToken ? Buffer.from(input.pageToken, 'base64') : undefined,
        query: closedInWindowQuery(input.window),
      });
      const executions = listed.executions ?? [];
      const nextPageToken = listed.nextPageToken?.length ? Buffer.from(listed.nextPageToken).toString('base64') : undefined;

      const resumed = ctx.info.heartbeatDetails as PageProgress | undefined;
      const progress: PageProgress =
        resumed && resumed.page === input.page && resumed.done <= executions.length
          ? resumed
          : { page: input.page, done: 0, counts: zeroCounts(), conflictBlobs: [] };
      if (progress.done > 0)
        ctx.log.warn('archive page resumed after a retry', {
          page: input.page,
          done: progress.done,
          of: executions.length,
          attempt: ctx.info.attempt,
        });

      // Entries of the prefix an earlier attempt finished come from their blobs; the rest are exported now.
      const settled = new Array<
        { entry?: ManifestEntry; outcome: 'written' | 'already_archived' | 'conflict' | 'withheld' | 'resumed'; blob: string } | undefined
      >(executions.length);
      const notArchivedInPrefix = new Set([...progress.conflictBlobs, ...(progress.withheldBlobs ?? [])]);
      const checkCancelled = () => {
        if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason ?? new Error('cancelled');
      };
      await boundedMap(executions.slice(0, progress.done), input.concurrency, async (exec, i) => {
        checkCancelled();
        const blob = historyBlobPath({
          workflowId: exec.execution?.workflowId ?? '',
          runId: exec.execution?.runId ?? '',
          closeTime: timestampIso(exec.closeTime),
        });
        settled[i] = notArchivedInPrefix.has(blob)
          ? { outcome: 'resumed', blob }
          : { outcome: 'resumed', blob, entry: await entryFromBlob(exec) };
      });
      const advance = () => {
        let moved = false;
        while (progress.done < executions.length && settled[progress.done]) {
          const s = settled[progress.done]!;
          if (s.outcome === 'written') progress.counts.written++;
          else if (s.outcome === 'already_archived') progress.counts.alreadyArchived++;
          else if (s.outcome === 'conflict') progress.counts.conflicts++, progress.conflictBlobs.push(s.blob);
          else if (s.outcome === 'withheld') progress.withheldBlobs = [...(progress.withheldBlobs ?? []), s.blob];
          progress.counts.listed++;
          progress.done++;
          moved = true;
        }
        if (moved) ctx.heartbeat(progress);
      };
      ctx.heartbeat(progress);
      const offset = progress.done; // fixed before any item settles (progress.done moves as they do)
      await boundedMap(executions.slice(offset), input.concurrency, async (exec, j) => {
        checkCancelled();
        settled[offset + j] = await archiveOne(exec);
        advance();
      });
      advance();

      // The page's part of the manifest: listing order, content-addressed so a retry finds its own part.
      const entries = settled.flatMap((s) => (s?.entry ? [s.entry] : []));
      let part: string | undefined;
      if (entries.length) {
        const body = `${JSON.stringify({ page: input.page, entries })}\n`;
        const sha = sha256Hex(body);
        part = manifestPartKey(input.page, sha);
        const written = await writeOnce(container().getBlockBlobClient(manifestPartPath(input.window, part)), Buffer.from(body), {
          sha256: sha,
          contentType: 'application/json',
          metadata: { [ArchiveMetadata.format]: 'manifest-part' },
        });
        if (written.outcome === 'conflict') throw new Error(`manifest part ${part} exists with other content`);
      }
      return { nextPageToken, counts: progress.counts, part, conflictBlobs: progress.conflictBlobs };
    },

    /**
     * Joins the window's parts into one manifest, streamed block by block (memory: one part), committed
     * once with `If-None-Match: *`. The same content already there is done; other content becomes a
     * revision beside it (never an overwrite).
     */
    async writeArchiveManifest(raw: WriteManifestInput): Promise<ArchiveWorkflowResult['manifest']> {
      const input = parseOrFail(WriteManifestInputSchema, raw, 'archive manifest');
      const ctx = Context.current();
      const w: ArchiveWindow = input.window;

      async function* chunks(): AsyncGenerator<string> {
        const summary = {
          count: 0,
          totalBytes: 0,
          totalEvents: 0,
          byCloseStatus: {} as Record<string, number>,
          byWorkflowType: {} as Record<string, number>,
        };
        yield `{"kind":"reddyfit.workflow-archive.manifest","version":1,"format":${JSON.stringify(ARCHIVE_FORMAT)},"window":${JSON.stringify({ from: w.from, to: w.to })},"filter":${JSON.stringify(w.taskQueue ? { taskQueue: w.taskQueue } : null)},"entries":[`;
        for (const key of input.parts) {
          const part = JSON.parse(await downloadText(container().getBlockBlobClient(manifestPartPath(w, key)))) as {
            entries: ManifestEntry[];
          };
          const lines: string[] = [];
          for (const e of part.entries) {
            lines.push(`${summary.count === 0 ? '' : ','}\n${JSON.stringify(e)}`);
            summary.count++;
            summary.totalBytes += e.bytes;
            summary.totalEvents += e.eventCount;
            summary.byCloseStatus[e.closeStatus] = (summary.byCloseStatus[e.closeStatus] ?? 0) + 1;
            summary.byWorkflowType[e.workflowType] = (summary.byWorkflowType[e.workflowType] ?? 0) + 1;
          }
          yield lines.join('');
          ctx.heartbeat(key);
        }
        yield `\n],${JSON.stringify(summary).slice(1)}\n`;
        counted = summary.count;
      }
      let counted = 0;

      /** Streams the manifest into staged blocks (or only hashes it) and returns its checksum. */
      async function stream(target?: string): Promise<{ sha256: string; ids: string[] }> {
        const hash = createHash('sha256');
        const blob = target ? container().getBlockBlobClient(target) : undefined;
        const ids: string[] = [];
        let buffer: Buffer[] = [];
        let size = 0;
        const flush = async () => {
          if (!blob || size === 0) return;
          const id = Buffer.from(`block-${String(ids.length).padStart(8, '0')}`).toString('base64');
          const data = Buffer.concat(buffer);
          await blob.stageBlock(id, data, data.length);
          ids.push(id);
          buffer = [];
          size = 0;
        };
        for await (const text of chunks()) {
          const b = Buffer.from(text, 'utf8');
          hash.update(b);
          buffer.push(b);
          size += b.length;
          if (size >= 4 * 1024 * 1024) await flush();
        }
        await flush();
        return { sha256: hash.digest('hex'), ids };
      }

      async function commit(target: string): Promise<{ sha256: string; outcome: 'written' | 'exists' }> {
        const { sha256, ids } = await stream(target);
        try {
          await container()
            .getBlockBlobClient(target)
            .commitBlockList(ids, {
              conditions: { ifNoneMatch: '*' },
              metadata: { [ArchiveMetadata.sha256]: sha256, count: String(counted), [ArchiveMetadata.format]: 'manifest' },
              blobHTTPHeaders: { blobContentType: 'application/json' },
            });
          return { sha256, outcome: 'written' };
        } catch (err) {
          if (isBlobStatus(err, 409, 412)) return { sha256, outcome: 'exists' };
          throw err;
        }
      }

      async function writeManifest(): Promise<Omit<ArchiveWorkflowResult['manifest'], 'auditTrail'>> {
        const target = manifestPath(w);
        const existing = container().getBlockBlobClient(target);
        if (!(await existing.exists())) {
          const first = await commit(target);
          if (first.outcome === 'written') return { blob: target, sha256: first.sha256, count: counted, outcome: 'written' };
        }
        const ours = await stream();
        const theirs = (await existing.getProperties()).metadata?.[ArchiveMetadata.sha256];
        if (theirs === ours.sha256) return { blob: target, sha256: ours.sha256, count: counted, outcome: 'already_archived' };
        // Another run saw another set of executions (late visibility, a changed filter): keep both, never overwrite.
        const revision = manifestRevisionPath(w, ours.sha256);
        const rev = container().getBlockBlobClient(revision);
        if (!(await rev.exists())) await commit(revision);
        ctx.log.warn('archive manifest differs from the one already stored; wrote a revision', { manifest: target, revision });
        return { blob: revision, sha256: ours.sha256, count: counted, outcome: 'revised' };
      }
      const manifest = await writeManifest();
      // The window's audit records go with it, in the same activity (no new workflow step: histories replay).
      return { ...manifest, auditTrail: await exportAuditTrail(w) };
    },
  };
}

export type ArchiveActivities = ReturnType<typeof createArchiveActivities>;

// Erasure activities (DELETE /api/me): each step is idempotent, so a retry after a crash, or the whole
// workflow resumed, erases everything exactly once. Logs and failures carry identifiers only.
import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { DocumentReference } from 'firebase-admin/firestore';
import { z } from 'zod';
import { destroyMemberDataKey } from '../../common/archive/member-keys';
import { deleteBlobsUnder } from '../../common/clients/blob-delete';
import { EraseMemberInputSchema, ErasureCountsSchema, erasureSequence } from '../../common/contracts/erasure';
import { MEMBER_MESSAGES } from '../../common/contracts/failures';
import { workflowIdForScan } from '../../common/contracts/scan';
import { Collections, Subcollections } from '../../common/contracts/scan-document';
import { writeAuditInTransaction } from '../../common/scans/audit-log';
import { erasureRef, erasureRunRef } from '../../common/scans/member-data';
import { eraseMemberShares } from '../../common/scans/report-shares';
import { OPEN_STATUSES, scanRef, scansCollection, userRef } from '../../common/scans/repository';
import { type ActivityDeps, photoContainers } from './deps';
import { parseOrFail } from './validate';

export const ErasureFailureType = { NotConfigured: 'ErasureNotConfigured' } as const;

const ScanIdsInputSchema = EraseMemberInputSchema.extend({ scanIds: z.array(z.string()) });
const CompleteErasureInputSchema = EraseMemberInputSchema.pick({ userId: true, sequence: true }).extend({ counts: ErasureCountsSchema });
/** gRPC NOT_FOUND */
const NOT_FOUND = 5;

export function createErasureActivities(deps: ActivityDeps) {
  const { db, now } = deps;
  const client = (): Client => {
    if (deps.temporal) return deps.temporal;
    throw ApplicationFailure.create({
      type: ErasureFailureType.NotConfigured,
      message: 'the worker has no Temporal client for erasure',
      nonRetryable: true,
    });
  };
  const memberScans = async (userId: string) => (await scansCollection(db).where('ownerId', '==', userId).get()).docs.map((d) => d.data());

  /**
   * A document and its known subcollections (Subcollections: the local Firestore emulator lists no
   * collections or documents and has no BatchWrite, so no recursiveDelete), one document at a time.
   */
  async function deleteWithSubcollections(ref: DocumentReference, subcollections: readonly string[]): Promise<void> {
    for (const sub of subcollections) {
      for (const child of (await ref.collection(sub).get()).docs) await child.ref.delete();
    }
    await ref.delete();
    heartbeat();
  }

  /** Keeps the activity alive while it waits on something that takes its time. */
  async function heartbeating<T>(work: Promise<T>): Promise<T> {
    const timer = setInterval(() => heartbeat(), 5_000);
    try {
      return await work;
    } finally {
      clearInterval(timer);
    }
  }

  return {
    /**
     * Ends every open scan of the member first, so nothing writes their data while it is erased: a scan
     * awaiting upload is cancelled on its document, a running one through its workflow (which compensates
     * and closes). Returns every scan id of the member, for the steps after it.
     */
    async cancelMemberScans(input: z.infer<typeof EraseMemberInputSchema>): Promise<{ scanIds: string[]; cancelled: number }> {
      const { userId } = parseOrFail(EraseMemberInputSchema, input, 'erasure');
      const scans = await memberScans(userId);
      let cancelled = 0;
      for (const scan of scans.filter((s) => OPEN_STATUSES.includes(s.status))) {
        heartbeat();
        const ended = await db.runTransaction(async (tx) => {
          const current = (await tx.get(scanRef(db, scan.scanId))).data();
          if (current?.status !== 'awaiting_upload') return false;
          const at = now().toISOString();
          tx.update(scanRef(db, scan.scanId), {
            status: 'cancelled',
            error: { code: 'cancelled', message: MEMBER_MESSAGES.cancelled },
            updatedAt: at,
            endedAt: at,
          });
          return true;
        });
        if (!ended) {
          const handle = client().workflow.getHandle(workflowIdForScan(scan.scanId));
          try {
            await handle.cancel();
            await heartbeating(handle.result().catch(() => undefined));
          } catch (err) {
            if (!(err instanceof WorkflowNotFoundError)) throw err;
          }
        }
        cancelled++;
      }
      return { scanIds: scans.map((s) => s.scanId), cancelled };
    },

    /**
     * Every photo of the member, wherever it is: upload locations and sealed copies (`{userId}/…`), listed
     * with snapshots and versions, leases broken (common/clients/blob-delete.ts).
     */
    async deleteMemberPhotos(input: z.infer<typeof EraseMemberInputSchema>): Promise<{ deleted: number }> {
      const { userId } = parseOrFail(EraseMemberInputSchema, input, 'erasure');
      let deleted = 0;
      const { uploads, sealed } = photoContainers(deps);
      for (const container of [uploads, sealed]) {
        deleted += await deleteBlobsUnder(container, `${userId}/`, () => heartbeat());
      }
      return { deleted };
    },

    /**
     * The member's scan workflows, deleted from Temporal (history and visibility), then waited for until
     * visibility no longer lists them. Their histories held the measurements and results (encrypted).
     */
    async deleteMemberExecutions(input: z.infer<typeof ScanIdsInputSchema>): Promise<{ deleted: number }> {
      const { scanIds } = parseOrFail(ScanIdsInputSchema, input, 'erasure');
      const temporal = client();
      const namespace = temporal.options.namespace;
      let deleted = 0;
      for (const scanId of scanIds) {
        heartbeat();
        try {
          await temporal.workflowService.deleteWorkflowExecution({
            namespace,
            workflowExecution: { workflowId: workflowIdForScan(scanId) },
          });
          deleted++;
        } catch (err) {
          if ((err as { code?: unknown }).code !== NOT_FOUND) throw err;
        }
      }
      // Deletion is asynchronous on the server: done when visibility lists none of them.
      for (let i = 0; scanIds.length > 0; i++) {
        heartbeat();
        let listed = 0;
        for (let at = 0; at < scanIds.length; at += 50) {
          const ids = scanIds.slice(at, at + 50).map((id) => `'${workflowIdForScan(id)}'`);
          const counted = await temporal.workflowService.countWorkflowExecutions({ namespace, query: `WorkflowId IN (${ids.join(',')})` });
          listed += Number(counted.count ?? 0);
        }
        if (listed === 0) break;
        await new Promise((r) => setTimeout(r, Math.min(5_000, 200 * 2 ** i)));
      }
      return { deleted };
    },

    /**
     * The member's documents: their report links first (each left as a tombstone of its token's hash, so
     * a coach holding one reads 410), their scans (with notifications), and the user document with
     * everything under it: scan history, consents (the member's link to health processing), push tokens,
     * credits, idempotency keys. Audit records stay (identifiers only).
     */
    async deleteMemberRecords(input: z.infer<typeof ScanIdsInputSchema>): Promise<{ deleted: number }> {
      const { userId, scanIds } = parseOrFail(ScanIdsInputSchema, input, 'erasure');
      await eraseMemberShares(db, userId, now());
      heartbeat();
      const ids = new Set([...scanIds, ...(await memberScans(userId)).map((s) => s.scanId)]);
      for (const scanId of ids) await deleteWithSubcollections(db.collection(Collections.scans).doc(scanId), Subcollections.scans);
      await deleteWithSubcollections(userRef(db, userId), Subcollections.users);
      return { deleted: ids.size };
    },

    /** Crypto-shredding: the member's archive data key is destroyed; their archived payloads cannot be read. */
    async destroyMemberArchiveKey(input: z.infer<typeof EraseMemberInputSchema>): Promise<{ destroyed: boolean }> {
      const { userId } = parseOrFail(EraseMemberInputSchema, input, 'erasure');
      return { destroyed: await destroyMemberDataKey(db, userId) };
    },

    /**
     * The erasure's own record (erasures/{uid}/runs/{sequence}) and, while it is the member's latest, the
     * member's record (erasures/{uid}) say completed, with counts; one audit record names the member and
     * nothing else. An erasure started before they were numbered has only the member's record.
     */
    async completeErasure(input: z.input<typeof CompleteErasureInputSchema>): Promise<void> {
      const { userId, sequence, counts } = parseOrFail(CompleteErasureInputSchema, input, 'erasure');
      const at = now();
      const latestRef = erasureRef(db, userId);
      const runRef = sequence === undefined ? undefined : erasureRunRef(db, userId, sequence);
      const completed = { status: 'completed', completedAt: at.toISOString(), counts } as const;
      // Once: a retried activity finds the record completed and writes no second audit record.
      await db.runTransaction(async (tx) => {
        const [latest, run] = await Promise.all([tx.get(latestRef), runRef ? tx.get(runRef) : Promise.resolve(undefined)]);
        const own = run ?? latest;
        if (own.data()?.status === 'completed') return;
        if (runRef) tx.set(runRef, completed, { merge: true });
        const latestDoc = latest.data();
        if (!runRef || (latestDoc && erasureSequence(latestDoc) === sequence)) tx.set(latestRef, completed, { merge: true });
        writeAuditInTransaction(tx, db, { userId, action: 'member_erased', outcome: 'completed', actor: 'system:worker' }, at);
      });
    },
  };
}

export type ErasureActivities = ReturnType<typeof createErasureActivities>;

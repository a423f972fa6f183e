import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { temporalClientSdk } from '../../common/clients/sdk-modules';
import { ErasureResponseSchema } from '../../common/contracts/api';
import { type EraseMemberInput, type ErasureDocument, erasureSequence, workflowIdForErasure } from '../../common/contracts/erasure';
import { ERASE_MEMBER_WORKFLOW } from '../../common/contracts/workflow-types';
import { writeAuditInTransaction } from '../../common/scans/audit-log';
import { erasureRef, erasureRunRef, lastSweepAfter, latestErasure, memberHasData } from '../../common/scans/member-data';
import { sealContainers } from '../../common/scans/sealed-photos';
import { BACKGROUND_PRIORITY } from '../../common/temporal/priority';
import type { Deps } from '../deps';
import { ApiProblem } from '../errors';
import { type ApiResponse, defineHttp } from '../framework/types';

// The right to erasure: every DELETE /api/me that finds data of the member created after their last
// completed erasure starts a new erasure (its own record and workflow, worker/workflows/erase-member.ts);
// one that finds nothing new answers with the last one; one during a running erasure answers with it.
// GET /api/me/erasure shows the latest. Both answer for the caller only.

const ERASURE_PATH = '/api/me/erasure';

function view(doc: ErasureDocument, statusUrl: string) {
  return { status: doc.status, requestedAt: doc.requestedAt, completedAt: doc.completedAt ?? null, statusUrl };
}

/** The latest erasure as it is, or a new one (record, run record and audit record in one transaction). */
async function openErasure(deps: Deps, userId: string, after: ErasureDocument | undefined): Promise<ErasureDocument> {
  const ref = erasureRef(deps.db, userId);
  return deps.db.runTransaction(async (tx) => {
    const current = (await tx.get(ref)).data();
    // Another request opened one since this one looked: that one stands.
    if (current && (current.status === 'running' || !after || erasureSequence(current) !== erasureSequence(after))) return current;
    const sequence = current ? erasureSequence(current) + 1 : 1;
    const created: ErasureDocument = {
      userId,
      status: 'running',
      workflowId: workflowIdForErasure(userId, sequence),
      requestedAt: deps.now().toISOString(),
      sequence,
    };
    tx.set(ref, created);
    tx.create(erasureRunRef(deps.db, userId, sequence), created);
    writeAuditInTransaction(
      tx,
      deps.db,
      { userId, action: 'erasure_requested', outcome: 'running', actor: `member:${userId}` },
      deps.now(),
    );
    return created;
  });
}

/** Starts the erasure's workflow once (a repeat or a crash between the record and the start resumes it). */
async function startErasure(deps: Deps, doc: ErasureDocument): Promise<void> {
  const { userId } = doc;
  // Read after the record exists: every upload URL handed out before it is on record (member-data.ts).
  const input: EraseMemberInput =
    doc.sequence === undefined
      ? { userId }
      : { userId, sequence: doc.sequence, sweepAfter: (await lastSweepAfter(deps.db, userId, deps.now())).toISOString() };
  const client = await deps.temporal();
  try {
    await client.workflow.start(ERASE_MEMBER_WORKFLOW, {
      taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
      priority: BACKGROUND_PRIORITY,
      workflowId: doc.workflowId,
      args: [input],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
  } catch (err) {
    // Finished already: its last step marks the record completed.
    if (!(err instanceof temporalClientSdk().WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/** How recent a sign-in DELETE /api/me needs. */
export const ERASURE_SIGN_IN_MAX_AGE_SECONDS = 5 * 60;

export const eraseMe = defineHttp({
  kind: 'http',
  name: 'eraseMe',
  route: 'me',
  methods: ['DELETE'],
  auth: 'member',
  // Erasure cannot be undone: a token left on a shared device, or taken, must not be enough.
  maxSignInAgeSeconds: ERASURE_SIGN_IN_MAX_AGE_SECONDS,
  summary:
    "Erase the caller's data: open scans are cancelled, then photos, scans, history, consents, push tokens and Temporal records are deleted and archived results made unreadable. A request during an erasure returns it; one after a completed erasure starts a new erasure when data was created since, and otherwise returns the completed one.",
  tags: ['account'],
  responses: {
    202: {
      description: 'erasure started (or still running); poll the status URL',
      schema: ErasureResponseSchema,
      headers: { Location: 'status URL', 'Retry-After': 'seconds' },
    },
    200: {
      description: 'the last erasure completed and nothing of the caller was stored since',
      schema: ErasureResponseSchema,
      headers: { Location: 'status URL' },
    },
  },
  async handler({ principal, deps, urlFor }): Promise<ApiResponse> {
    const userId = principal.uid;
    const statusUrl = urlFor(ERASURE_PATH);
    const latest = await latestErasure(deps.db, userId);
    const nothingNew =
      latest?.status === 'completed' && !(await memberHasData(deps.db, sealContainers(deps.config, deps.blob, deps.dataBlob), userId));
    if (latest && nothingNew) return { status: 200, body: view(latest, statusUrl), headers: { Location: statusUrl } };
    const doc = await openErasure(deps, userId, latest);
    if (doc.status === 'completed') return { status: 200, body: view(doc, statusUrl), headers: { Location: statusUrl } };
    await startErasure(deps, doc);
    return { status: 202, body: view(doc, statusUrl), headers: { Location: statusUrl, 'Retry-After': '5' } };
  },
});

export const getErasure = defineHttp({
  kind: 'http',
  name: 'getErasure',
  route: 'me/erasure',
  methods: ['GET'],
  auth: 'member',
  summary: "The caller's latest erasure: running or completed",
  tags: ['account'],
  responses: {
    200: { description: 'the latest erasure', schema: ErasureResponseSchema },
    404: { description: 'no erasure was requested', codes: ['erasure_not_found'] },
  },
  async handler({ principal, deps, urlFor }) {
    const latest = await latestErasure(deps.db, principal.uid);
    if (!latest) throw new ApiProblem('erasure_not_found');
    return { status: 200, body: view(latest, urlFor(ERASURE_PATH)) };
  },
});

import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { temporalClientSdk } from '../../common/clients/sdk-modules';
import { ErasureResponseSchema } from '../../common/contracts/api';
import { type ErasureDocument, ErasureDocumentSchema, workflowIdForErasure } from '../../common/contracts/erasure';
import { Collections } from '../../common/contracts/scan-document';
import { writeAuditInTransaction } from '../../common/scans/audit-log';
import type { Deps } from '../deps';
import { ErasureNotFoundError } from '../errors';
import { type ApiResponse, defineHttp } from '../framework/types';

// The right to erasure: DELETE /api/me starts the member's one erasure workflow (worker/workflows/
// erase-member.ts); GET /api/me/erasure says how far it got. Both answer for the caller only.

const ERASURE_PATH = '/api/me/erasure';
const erasureRef = (deps: Deps, userId: string) => deps.db.collection(Collections.erasures).doc(userId);

function view(doc: ErasureDocument, statusUrl: string) {
  return { status: doc.status, requestedAt: doc.requestedAt, completedAt: doc.completedAt ?? null, statusUrl };
}

export const eraseMe = defineHttp({
  kind: 'http',
  name: 'eraseMe',
  route: 'me',
  methods: ['DELETE'],
  auth: 'member',
  summary:
    "Erase the caller's data: open scans are cancelled, then photos, scans, history, consents, push tokens and Temporal records are deleted and archived results made unreadable. Idempotent: a repeat returns the same erasure.",
  tags: ['account'],
  responses: {
    202: {
      description: 'erasure started (or still running); poll the status URL',
      schema: ErasureResponseSchema,
      headers: { Location: 'status URL', 'Retry-After': 'seconds' },
    },
    200: { description: 'the erasure already completed', schema: ErasureResponseSchema, headers: { Location: 'status URL' } },
    401: { description: 'no or invalid token', codes: ['unauthenticated', 'invalid_token'] },
  },
  async handler({ principal, deps, urlFor }): Promise<ApiResponse> {
    const userId = principal.uid;
    const ref = erasureRef(deps, userId);
    const workflowId = workflowIdForErasure(userId);
    // The record first (once, with one audit record), then the workflow: a crash between them is healed by the repeat.
    const doc = await deps.db.runTransaction(async (tx) => {
      const snap = await tx.get(ref);
      if (snap.exists) return ErasureDocumentSchema.parse(snap.data());
      const created: ErasureDocument = { userId, status: 'running', workflowId, requestedAt: deps.now().toISOString() };
      tx.create(ref, created);
      writeAuditInTransaction(
        tx,
        deps.db,
        { userId, action: 'erasure_requested', outcome: 'running', actor: `member:${userId}` },
        deps.now(),
      );
      return created;
    });
    const statusUrl = urlFor(ERASURE_PATH);
    if (doc.status === 'completed') return { status: 200, body: view(doc, statusUrl), headers: { Location: statusUrl } };
    const client = await deps.temporal();
    try {
      await client.workflow.start('eraseMemberWorkflow', {
        taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
        workflowId,
        args: [{ userId }],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      });
    } catch (err) {
      // Finished already: its last step marks the record completed.
      if (!(err instanceof temporalClientSdk().WorkflowExecutionAlreadyStartedError)) throw err;
    }
    return { status: 202, body: view(doc, statusUrl), headers: { Location: statusUrl, 'Retry-After': '5' } };
  },
});

export const getErasure = defineHttp({
  kind: 'http',
  name: 'getErasure',
  route: 'me/erasure',
  methods: ['GET'],
  auth: 'member',
  summary: "The caller's erasure: running or completed",
  tags: ['account'],
  responses: {
    200: { description: 'the erasure', schema: ErasureResponseSchema },
    401: { description: 'no or invalid token', codes: ['unauthenticated', 'invalid_token'] },
    404: { description: 'no erasure was requested', codes: ['erasure_not_found'] },
  },
  async handler({ principal, deps, urlFor }) {
    const snap = await erasureRef(deps, principal.uid).get();
    if (!snap.exists) throw new ErasureNotFoundError();
    return { status: 200, body: view(ErasureDocumentSchema.parse(snap.data()), urlFor(ERASURE_PATH)) };
  },
});

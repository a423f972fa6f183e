import { WorkflowNotFoundError } from '@temporalio/common';
import { ConsentListResponseSchema, ConsentParamsSchema, ConsentStateSchema, PutConsentRequestSchema } from '../../common/contracts/api';
import { ConsentTypeSchema, type ConsentDocument } from '../../common/contracts/scan-document';
import { writeAuditInTransaction } from '../../common/scans/audit-log';
import { consentRef, scansCollection } from '../../common/scans/repository';
import { consentRevokedSignal } from '../../common/contracts/workflow-messages';
import type { Deps } from '../deps';
import { defineHttp } from '../framework/types';

type StoredConsent = ConsentDocument & { revision?: number };
const RUNNING = ['queued', 'running', 'awaiting_review'];

function view(type: ConsentDocument['type'], doc: StoredConsent | undefined) {
  return {
    type,
    status: doc?.status ?? ('not_set' as const),
    version: doc?.version ?? null,
    revision: doc?.revision ?? 0,
    updatedAt: doc?.updatedAt ?? null,
  };
}

export const getConsents = defineHttp({
  kind: 'http',
  name: 'getConsents',
  route: 'consents',
  methods: ['GET'],
  auth: 'member',
  summary: "The caller's consents",
  tags: ['consents'],
  responses: {
    200: { description: 'every consent type with its state', schema: ConsentListResponseSchema },
    401: { description: 'no or invalid token', codes: ['unauthenticated', 'invalid_token'] },
  },
  async handler({ principal, deps }) {
    const items = await Promise.all(
      ConsentTypeSchema.options.map(async (type) =>
        view(type, (await consentRef(deps.db, principal.uid, type).get()).data() as StoredConsent | undefined),
      ),
    );
    return { status: 200, body: { items } };
  },
});

/** Tells the member's running scans that consent is gone; they stop at their next step. */
async function stopRunningScans(deps: Deps, uid: string): Promise<number> {
  const snap = await scansCollection(deps.db).where('ownerId', '==', uid).where('status', 'in', RUNNING).get();
  if (snap.empty) return 0;
  const client = await deps.temporal();
  const results = await Promise.all(
    snap.docs.map(async (d) => {
      try {
        await client.workflow.getHandle(d.data().workflowId).signal(consentRevokedSignal);
        return true;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return false; // finished meanwhile
        throw err;
      }
    }),
  );
  return results.filter(Boolean).length;
}

export const putConsent = defineHttp({
  kind: 'http',
  name: 'putConsent',
  route: 'consents/{type}',
  methods: ['PUT'],
  auth: 'member',
  summary: 'Grant or revoke a consent (versioned, audited); revoking scan_analysis stops running scans',
  tags: ['consents'],
  params: ConsentParamsSchema,
  body: PutConsentRequestSchema,
  responses: {
    200: { description: 'the consent as stored now', schema: ConsentStateSchema },
    400: { description: 'invalid request', codes: ['validation_failed', 'malformed_json', 'body_required'] },
    401: { description: 'no or invalid token', codes: ['unauthenticated', 'invalid_token'] },
  },
  async handler({ params, body, principal, deps }) {
    const ref = consentRef(deps.db, principal.uid, params.type);
    const now = deps.now();
    const at = now.toISOString();
    // The change and its audit record are one transaction: no consent change goes unrecorded.
    const stored = await deps.db.runTransaction(async (tx) => {
      const current = (await tx.get(ref)).data() as StoredConsent | undefined;
      if (current && current.status === body.status && current.version === body.version) return { doc: current, changed: false };
      const doc: StoredConsent = {
        type: params.type,
        status: body.status,
        version: body.version,
        updatedAt: at,
        revision: (current?.revision ?? 0) + 1,
      };
      tx.set(ref, doc);
      writeAuditInTransaction(
        tx,
        deps.db,
        {
          userId: principal.uid,
          action: body.status === 'granted' ? 'consent_granted' : 'consent_revoked',
          outcome: 'ok',
          actor: `member:${principal.uid}`,
          subject: { consentType: params.type, consentVersion: body.version, revision: doc.revision ?? 1 },
        },
        now,
      );
      return { doc, changed: true };
    });
    if (params.type === 'scan_analysis' && body.status === 'revoked') await stopRunningScans(deps, principal.uid);
    return { status: 200, body: view(params.type, stored.doc) };
  },
});

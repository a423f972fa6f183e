import { WorkflowNotFoundError } from '@temporalio/common';
import { ConsentListResponseSchema, ConsentParamsSchema, ConsentStateSchema, PutConsentRequestSchema } from '../../common/contracts/api';
import { MEMBER_MESSAGES } from '../../common/contracts/failures';
import { type ConsentDocument, ConsentTypeSchema, type ScanDocument } from '../../common/contracts/scan-document';
import { consentRevokedSignal } from '../../common/contracts/workflow-messages';
import { writeAuditInTransaction } from '../../common/scans/audit-log';
import { erasureRef, isErasing } from '../../common/scans/member-data';
import { filtered, Queries } from '../../common/scans/queries';
import { consentRef, OPEN_STATUSES, scansCollection } from '../../common/scans/repository';
import type { Deps } from '../deps';
import { ApiProblem } from '../errors';
import { defineHttp } from '../framework/types';
import { endBeforeStart, scanLock } from '../scans/start-when-ready';

function view(type: ConsentDocument['type'], doc: ConsentDocument | undefined) {
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
  },
  async handler({ principal, deps }) {
    const items = await Promise.all(
      ConsentTypeSchema.options.map(async (type) => view(type, (await consentRef(deps.db, principal.uid, type).get()).data())),
    );
    return { status: 200, body: { items } };
  },
});

/**
 * A scan that has no workflow yet (still awaiting upload) ends here for want of consent, through the one
 * ending: failed, refunded and audited in one transaction that checks the status, then its photos. A start
 * racing it either sees the end (and cancels its run) or has already moved the scan on, and then its
 * workflow gets the signal or reads the revoked consent.
 */
function endUnstartedScan(deps: Deps, scan: ScanDocument): Promise<boolean> {
  return scanLock.run(scan.scanId, () =>
    endBeforeStart(deps, scan, {
      scanId: scan.scanId,
      status: 'failed',
      error: { code: 'consent_required', message: MEMBER_MESSAGES.consent_required },
      audit: { userId: scan.ownerId, action: 'consent_revoked_before_start', actor: 'system:functions' },
    }),
  );
}

/**
 * Tells every open scan of the member that consent is gone, whatever its document says: a workflow
 * that has just started (its document still `awaiting_upload`) gets the signal too, and one that starts
 * after this reads the revoked consent in its first step. A scan without a workflow ends here.
 */
async function stopOpenScans(deps: Deps, uid: string): Promise<number> {
  const snap = await filtered(scansCollection(deps.db), Queries.memberScansByStatus, {
    ownerId: uid,
    status: OPEN_STATUSES,
  }).get();
  if (snap.empty) return 0;
  const client = await deps.temporal();
  const results = await Promise.all(
    snap.docs.map(async (d) => {
      const scan = d.data();
      try {
        await client.workflow.getHandle(scan.workflowId).signal(consentRevokedSignal);
        return true;
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
        // No run (not started, or finished meanwhile): end it if it never started.
        return scan.status === 'awaiting_upload' ? endUnstartedScan(deps, scan) : false;
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
  summary: 'Grant or revoke a consent (versioned, audited); revoking scan_analysis stops every open scan',
  tags: ['consents'],
  params: ConsentParamsSchema,
  body: PutConsentRequestSchema,
  responses: {
    200: { description: 'the consent as stored now', schema: ConsentStateSchema },
    400: { description: 'invalid request', codes: ['validation_failed', 'malformed_json', 'body_required'] },
    409: { description: "the caller's erasure is running: nothing is stored until it completed", codes: ['erasure_in_progress'] },
  },
  async handler({ params, body, principal, deps }) {
    const ref = consentRef(deps.db, principal.uid, params.type);
    const now = deps.now();
    const at = now.toISOString();
    // The change and its audit record are one transaction: no consent change goes unrecorded. The
    // erasure record is read in it: a consent written during an erasure would outlive it.
    const stored = await deps.db.runTransaction(async (tx) => {
      const [snap, erasure] = await Promise.all([tx.get(ref), tx.get(erasureRef(deps.db, principal.uid))]);
      if (isErasing(erasure.data())) throw new ApiProblem('erasure_in_progress');
      const current = snap.data();
      if (current && current.status === body.status && current.version === body.version) return { doc: current, changed: false };
      const doc: ConsentDocument = {
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
    if (params.type === 'scan_analysis' && body.status === 'revoked') await stopOpenScans(deps, principal.uid);
    return { status: 200, body: view(params.type, stored.doc) };
  },
});

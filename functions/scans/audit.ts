import { Collections } from '../../common/contracts/scan-document';
import type { Deps } from '../deps';

const ALREADY_EXISTS = 6;

/** Append-only audit record of the functions app; identifiers and outcomes only, never health data. */
export async function recordAudit(
  deps: Deps,
  entry: {
    scanId?: string;
    userId: string;
    action: string;
    outcome: string;
    actor?: string;
    key?: string;
    extra?: Record<string, string | number>;
  },
): Promise<void> {
  const doc = {
    ...(entry.extra ?? {}),
    ...(entry.scanId ? { scanId: entry.scanId } : {}),
    userId: entry.userId,
    action: entry.action,
    outcome: entry.outcome,
    actor: entry.actor ?? 'system:functions',
    at: deps.now().toISOString(),
  };
  const col = deps.db.collection(Collections.auditLogs);
  // Keyed entries (one per scan and action) are written once however often an event is retried.
  const key = entry.key ?? (entry.scanId ? `${entry.scanId}_${entry.action}` : undefined);
  if (!key) {
    await col.add(doc);
    return;
  }
  try {
    await col.doc(key).create(doc);
  } catch (err) {
    if ((err as { code?: unknown }).code !== ALREADY_EXISTS) throw err;
  }
}

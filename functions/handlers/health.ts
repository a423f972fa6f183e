import { HealthResponseSchema } from '../../common/contracts/api';
import type { Deps } from '../deps';
import { defineHttp } from '../framework/types';

const CHECK_TIMEOUT_MS = 3_000;

async function timed(check: () => Promise<unknown>): Promise<{ ok: boolean; latencyMs: number }> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { ok: true, latencyMs: Date.now() - started };
  } catch {
    return { ok: false, latencyMs: Date.now() - started };
  } finally {
    clearTimeout(timer);
  }
}

/** Reachability only: no addresses, versions or settings in the answer. */
export async function checkBackends(deps: Deps) {
  const [temporal, firestore, blob] = await Promise.all([
    timed(async () => {
      const client = await deps.temporal();
      await client.connection.withDeadline(Date.now() + CHECK_TIMEOUT_MS, () => client.connection.workflowService.getSystemInfo({}));
    }),
    timed(() => deps.db.collection('_health').doc('ping').get()),
    timed(() => deps.blob.getContainerClient(deps.config.SCAN_UPLOADS_CONTAINER).exists()),
  ]);
  return { temporal, firestore, blob };
}

export const health = defineHttp({
  kind: 'http',
  name: 'health',
  route: 'health',
  methods: ['GET'],
  auth: 'anonymous',
  summary: 'Reachability of Temporal, Firestore and Blob storage',
  tags: ['operations'],
  responses: {
    200: { description: 'all reachable', schema: HealthResponseSchema },
    503: {
      description: 'something is unreachable, or the app is starting (waiting for its Key Vault secrets; the logs name them)',
      schema: HealthResponseSchema,
    },
  },
  whileStarting: () => ({ status: 503, body: { status: 'starting', checks: {} }, headers: { 'Retry-After': '10' } }),
  async handler({ deps }) {
    const checks = await checkBackends(deps);
    const ok = Object.values(checks).every((c) => c.ok);
    return { status: ok ? 200 : 503, body: { status: ok ? 'ok' : 'degraded', checks }, headers: ok ? undefined : { 'Retry-After': '10' } };
  },
});

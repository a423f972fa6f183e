import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createBlobService } from '../common/clients/blob';
import { createFirebase } from '../common/clients/firebase';
import { createTemporalClient } from '../common/clients/temporal';
import { workflowIdForScan } from '../common/contracts/scan';
import { startDailyScan } from '../common/scans/start-scan';
import { freePort } from '../scripts/lib/ports';
import { type KeyVaultStandIn, startKeyVaultStandIn } from './helpers/key-vault';
import { newUserId, seedMember, seedUploadedScan } from './helpers/scan';
import { stackEnv, testConfig, uniqueTaskQueue } from './helpers/stack';
import { PROJECT_ROOT } from './helpers/worker-process';

// The first deployment: the apps start before anyone has put their secrets in Key Vault. They must come
// up healthy, say by secret name what they wait for (never a value), and start working once the secrets
// are there, without a restart. Here the worker and the Functions entry run as their own processes and
// read the vault through the real SDKs, with an identity token, over HTTPS (test/helpers/key-vault.ts).
const PAYLOAD_SECRET = 'payload-encryption-key';
let vault: KeyVaultStandIn;
let client: Client;
const firebase = createFirebase(testConfig(), `key-vault-${randomUUID()}`);
const blob = createBlobService(testConfig());
const children: ChildProcess[] = [];

beforeAll(async () => {
  client = await createTemporalClient(testConfig());
});
afterAll(async () => {
  await Promise.all([client?.connection.close(), firebase.close()]);
});
// An empty vault per test: each starts as a first deployment.
beforeEach(async () => {
  vault = await startKeyVaultStandIn();
});
afterEach(async () => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  await vault.close();
});

/** The stack's settings as Azure would set them: no secret in the environment, the vault named instead. */
function withoutSecrets(extra: Record<string, string>) {
  const { PAYLOAD_ENCRYPTION_KEY: key = '', PUSH_RECEIVER_LIST_URL: _, STACK_DATA_DIR: __, ...env } = stackEnv();
  return {
    key,
    env: { PATH: process.env.PATH ?? '', ...env, ...vault.clientEnv, KEY_VAULT_URL: vault.url, KEY_VAULT_REFRESH_SECONDS: '1', ...extra },
  };
}

function spawnChild(args: string[], env: Record<string, string>) {
  const proc = spawn(process.execPath, args, { cwd: PROJECT_ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(proc);
  let output = '';
  proc.stdout?.on('data', (d) => (output += d));
  proc.stderr?.on('data', (d) => (output += d));
  return { proc, output: () => output };
}

async function get(url: string) {
  try {
    const res = await fetch(url);
    return { status: res.status, body: (await res.json()) as { status: string } };
  } catch {
    return undefined;
  }
}

describe('secrets from Key Vault at run time', () => {
  it('the worker is alive without its secrets, says which it waits for, and runs scans once they are put', {
    timeout: 180_000,
  }, async () => {
    const taskQueue = uniqueTaskQueue('key-vault');
    const port = await freePort();
    const { key, env } = withoutSecrets({ TEMPORAL_TASK_QUEUE: taskQueue, WORKER_HEALTH_PORT: String(port), LOG_LEVEL: 'warn' });
    // Roles per secret, as infra/hooks/put-secret.sh grants them: the worker holds one on the payload key
    // only; the secrets nobody put (Temporal API key, model key, ...) answer 403, and must not stop it.
    vault.grantOnly([PAYLOAD_SECRET]);
    const worker = spawnChild(['--import', 'tsx', 'worker/main.ts'], env);

    // Alive (a liveness probe passes, so the container is not restarted) but not ready, and it says why.
    await expect.poll(() => get(`http://127.0.0.1:${port}/healthz`), { timeout: 60_000, interval: 250 }).toMatchObject({ status: 200 });
    expect(await get(`http://127.0.0.1:${port}/readyz`)).toEqual({ status: 503, body: { status: 'waiting_for_secrets' } });
    await expect.poll(worker.output, { timeout: 10_000 }).toContain(`${PAYLOAD_SECRET}: not in the vault`);
    // It asked the vault with its identity's token.
    expect(vault.reads).toContainEqual({ name: PAYLOAD_SECRET, authorized: true });

    // The operator puts the secret; within the refresh interval the worker reads it and starts polling.
    vault.put(PAYLOAD_SECRET, key);
    await expect.poll(() => get(`http://127.0.0.1:${port}/readyz`), { timeout: 120_000, interval: 500 }).toMatchObject({ status: 200 });

    // Payloads the worker reads and writes are encrypted with the key from the vault: a scan completes.
    const config = testConfig({ TEMPORAL_TASK_QUEUE: taskQueue });
    const userId = newUserId();
    await seedMember(firebase.db, userId, { credits: 1 });
    const scan = await seedUploadedScan(firebase, blob, config, { userId });
    await startDailyScan(client, config, scan, taskQueue);
    expect((await client.workflow.getHandle(workflowIdForScan(scan.scanId)).result()).status).toBe('completed');

    expect(worker.output()).not.toContain(key);
    // It asked for its own secrets only: never the Functions app's Firebase key.
    const asked = new Set(vault.reads.map((r) => r.name));
    expect(asked).toContain('firebase-worker-service-account');
    expect(asked).not.toContain('firebase-functions-service-account');
    worker.proc.kill('SIGTERM');
  });

  it('the worker stops cleanly when told to while it still waits', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const { env } = withoutSecrets({ TEMPORAL_TASK_QUEUE: uniqueTaskQueue('key-vault-stop'), WORKER_HEALTH_PORT: String(port) });
    const worker = spawnChild(['--import', 'tsx', 'worker/main.ts'], env);
    await expect.poll(() => get(`http://127.0.0.1:${port}/readyz`), { timeout: 30_000, interval: 250 }).toMatchObject({ status: 503 });
    const exited = new Promise<number | null>((r) => worker.proc.once('exit', (code) => r(code)));
    worker.proc.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('the Functions app answers while it waits (health "starting", every route 503 secrets_pending), then serves', {
    timeout: 120_000,
  }, async () => {
    // The Azure entry module itself, with @azure/functions' registration captured so its handlers can be called.
    const script = `
      const f = require('@azure/functions');
      const handlers = {};
      f.app.http = (name, o) => { handlers[name] = o.handler; };
      f.app.storageBlob = () => {};
      f.app.timer = () => {};
      require('./functions/index.ts');
      const call = async (name, method, url) => {
        const res = await handlers[name](new f.HttpRequest({ method, url, headers: { 'content-type': 'application/json' }, body: method === 'GET' ? undefined : { string: '{}' } }), new f.InvocationContext({ functionName: name }));
        return { status: res.status, retryAfter: res.headers['Retry-After'], body: JSON.parse(res.body) };
      };
      const say = (o) => process.stdout.write('RESULT ' + JSON.stringify(o) + '\\n');
      (async () => {
        say({ phase: 'waiting', health: await call('health', 'GET', 'http://localhost/api/health'), create: await call('createScan', 'POST', 'http://localhost/api/scans') });
        await new Promise((r) => process.stdin.once('data', r));
        for (let i = 0; i < 120; i++) {
          const health = await call('health', 'GET', 'http://localhost/api/health');
          if (health.body.status !== 'starting') { say({ phase: 'ready', health, create: await call('createScan', 'POST', 'http://localhost/api/scans') }); break; }
          await new Promise((r) => setTimeout(r, 500));
        }
        process.exit(0);
      })();
    `;
    const { key, env } = withoutSecrets({ LOG_LEVEL: 'warn' });
    vault.grantOnly([PAYLOAD_SECRET]);
    const app = spawnChild(['--import', 'tsx', '-e', script], env);
    const results = () =>
      app
        .output()
        .split('\n')
        .filter((l) => l.startsWith('RESULT '))
        .map((l) => JSON.parse(l.slice('RESULT '.length)));

    await expect.poll(() => results().length, { timeout: 60_000 }).toBe(1);
    const [waiting] = results();
    expect(waiting.health).toEqual({ status: 503, retryAfter: '10', body: { status: 'starting', checks: {} } });
    expect(waiting.create).toMatchObject({ status: 503, retryAfter: '1', body: { code: 'secrets_pending', status: 503 } });
    expect(JSON.stringify(waiting)).not.toContain(PAYLOAD_SECRET); // the public answer does not name secrets; the log does
    await expect.poll(app.output, { timeout: 10_000 }).toContain(`${PAYLOAD_SECRET}: not in the vault`);

    vault.put(PAYLOAD_SECRET, key);
    app.proc.stdin?.write('go\n');
    await expect.poll(() => results().length, { timeout: 90_000 }).toBe(2);
    const ready = results()[1];
    expect(ready.health).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(ready.create).toMatchObject({ status: 401, body: { code: 'unauthenticated' } }); // past the gate: the pipeline runs
    expect(app.output()).not.toContain(key);
    // The internet-facing app never asks for the model key or the worker's Firebase key.
    const asked = new Set(vault.reads.map((r) => r.name));
    expect(asked).toContain('firebase-functions-service-account');
    for (const other of ['azure-openai-api-key', 'firebase-worker-service-account']) expect(asked).not.toContain(other);
  });
});

import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBlobService } from '../common/clients/blob';
import { createFirebase } from '../common/clients/firebase';
import { createTemporalClient, TemporalConnectionError } from '../common/clients/temporal';
import type { LocalHost } from '../functions/local-host';
import { mtlsClientSettings } from '../scripts/lib/local-stack';
import { idTokenFor } from './helpers/auth';
import { api, startFunctionsHost } from './helpers/http';
import { measurements, newUserId, samplePhotos, seedMember } from './helpers/scan';
import { stackEnv, testConfig, uniqueTaskQueue } from './helpers/stack';
import { PROJECT_ROOT, spawnWorkerProcess } from './helpers/worker-process';

// Temporal behind the mTLS peer (nginx demanding a client certificate from the test CA): the worker and the
// Functions app connect with TEMPORAL_TLS_* settings, the code path used against Temporal Cloud.

const tls = () => mtlsClientSettings(stackEnv());
const certFile = (name: string) => path.join(stackEnv().TEMPORAL_MTLS_CERT_DIR!, name);

/** The settings a process gets, minus the stack's own test-only entries. */
function processEnv(extra: Record<string, string>) {
  const { PUSH_RECEIVER_LIST_URL: _, STACK_DATA_DIR: __, TEMPORAL_MTLS_ADDRESS: ___, TEMPORAL_MTLS_CERT_DIR: ____, ...env } = stackEnv();
  return { ...env, WORKER_HEALTH_PORT: '0', LOG_LEVEL: 'warn', ...extra };
}

/** How a client is set up wrongly, and what the refusal must name. */
const refusals: Array<{ name: string; settings: () => Record<string, string | undefined>; cause: RegExp }> = [
  {
    name: 'no client certificate',
    settings: () => ({ TEMPORAL_TLS_CLIENT_CERT_PATH: undefined, TEMPORAL_TLS_CLIENT_KEY_PATH: undefined }),
    cause: /no client certificate was sent/,
  },
  {
    name: 'a client certificate from another CA',
    settings: () => ({
      TEMPORAL_TLS_CLIENT_CERT_PATH: certFile('other-ca-client.pem'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: certFile('other-ca-client.key'),
    }),
    cause: /client certificate refused: unable to (verify|get local issuer)/,
  },
  {
    name: 'an expired client certificate',
    settings: () => ({
      TEMPORAL_TLS_CLIENT_CERT_PATH: certFile('expired-client.pem'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: certFile('expired-client.key'),
    }),
    cause: /client certificate refused: certificate has expired/,
  },
  {
    name: 'a wrong server name',
    settings: () => ({ TEMPORAL_TLS_SERVER_NAME: 'wrong.example' }),
    // rustls (worker) and node's TLS (client) each say the name is not in the certificate.
    cause: /NotValidForName|does not match certificate's altnames/,
  },
];

const withSettings = (over: Record<string, string | undefined>) => {
  const env: Record<string, string> = { ...tls() };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
};

/** Secrets that must never appear in a refusal: the private keys and the payload key. */
function secretsIn(output: string): string[] {
  const keys = ['client.key', 'other-ca-client.key', 'expired-client.key'].map(
    (f) =>
      readFileSync(certFile(f), 'utf8')
        .split('\n')
        .filter((l) => l && !l.startsWith('-----'))[0]!,
  );
  return [...keys, stackEnv().PAYLOAD_ENCRYPTION_KEY!, 'PRIVATE KEY'].filter((s) => output.includes(s));
}

/** Runs an entry point to its exit; resolves with the code and everything it printed. */
function runToExit(args: string[], env: Record<string, string>) {
  const proc = spawn(process.execPath, args, {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout.on('data', (d) => (output += d));
  proc.stderr.on('data', (d) => (output += d));
  const timer = setTimeout(() => proc.kill('SIGKILL'), 60_000);
  return new Promise<{ code: number | null; output: string }>((resolve) =>
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

describe('Temporal over mTLS (nginx peer demanding a client certificate)', () => {
  const taskQueue = uniqueTaskQueue('mtls');
  const config = () => testConfig({ ...tls(), TEMPORAL_TASK_QUEUE: taskQueue, REVIEW_MIN_CONFIDENCE: '0' });
  const firebase = createFirebase(testConfig(), `mtls-${randomUUID()}`);
  const blob = createBlobService(testConfig());
  let host: LocalHost;
  let worker: Awaited<ReturnType<typeof spawnWorkerProcess>>;

  beforeAll(async () => {
    worker = await spawnWorkerProcess(processEnv({ ...tls(), TEMPORAL_TASK_QUEUE: taskQueue }));
    host = await startFunctionsHost(config());
  });
  afterAll(async () => {
    await host?.close();
    if (worker) {
      worker.proc.kill('SIGTERM');
      await worker.exited;
    }
    await firebase.close();
  });

  it('the worker process and the Functions app run a scan end to end through the peer', async () => {
    expect(config().TEMPORAL_ADDRESS).toBe(stackEnv().TEMPORAL_MTLS_ADDRESS);
    const uid = newUserId();
    await seedMember(firebase.db, uid, { credits: 1 });
    const token = await idTokenFor(firebase.auth, config(), uid);
    const created = await api(host, '/api/scans', { method: 'POST', token, json: measurements() });
    expect(created.status, created.text).toBe(201);
    const photos = await samplePhotos();
    for (const u of created.json.uploads as Array<{ angle: keyof typeof photos; url: string; headers: Record<string, string> }>) {
      expect((await fetch(u.url, { method: 'PUT', headers: u.headers, body: photos[u.angle] })).status).toBe(201);
    }
    let final;
    for (const end = Date.now() + 90_000; Date.now() < end; await new Promise((r) => setTimeout(r, 300))) {
      final = await api(host, `/api/scans/${created.json.scanId}`, { token });
      if (final.status !== 202) break;
    }
    expect(final?.status, final?.text).toBe(200);
    expect(final!.json.status).toBe('completed');
    // The run really went through the peer: its access log has the worker's and the client's calls.
    const access = readFileSync(path.join(stackEnv().STACK_DATA_DIR!, 'logs', 'mtls-peer-access.log'), 'utf8');
    expect(access).toMatch(/PollWorkflowTaskQueue/);
    expect(access).toMatch(/StartWorkflowExecution|SignalWithStartWorkflowExecution|ExecuteMultiOperation/);
  }, 150_000);

  for (const r of refusals) {
    it(`refuses ${r.name}: the worker exits naming the cause, no secret printed`, async () => {
      const { code, output } = await runToExit(
        ['--import', 'tsx', 'worker/main.ts'],
        processEnv({ ...withSettings(r.settings()), TEMPORAL_TASK_QUEUE: uniqueTaskQueue('mtls-refused') }),
      );
      expect(code, output).toBe(69);
      expect(output).toMatch(r.cause);
      expect(output).toMatch(/cannot connect to Temporal at 127\.0\.0\.1:\d+ over TLS/);
      expect(secretsIn(output)).toEqual([]);
    });

    it(`refuses ${r.name}: the Functions app's client names the cause, and its host exits`, async () => {
      const settings = withSettings(r.settings());
      const err = await createTemporalClient(testConfig(settings)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TemporalConnectionError);
      expect((err as Error).message).toMatch(r.cause);
      const { code, output } = await runToExit(['--import', 'tsx', 'functions/local-host.ts'], {
        ...processEnv(settings),
        FUNCTIONS_HTTP_PORT: '0',
      });
      expect(code, output).toBe(69);
      expect(output).toMatch(r.cause);
      expect(secretsIn(output)).toEqual([]);
    });
  }
});

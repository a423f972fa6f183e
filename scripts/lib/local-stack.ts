import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { Connection } from '@temporalio/client';
import { DEFAULT_CONTAINERS } from '../../common/config';
import { searchAttributeRegistrations } from '../../common/contracts/search-attributes';
import { startCodecServer } from '../../common/temporal/codec-server';
import { LOCAL_PAYLOAD_KEY, LOCAL_REVIEW_SIGNING_KEY } from '../../common/temporal/local-dev-key';
import { EncryptionCodec, parsePayloadKey } from '../../common/temporal/payload-encryption';
import { type FcmStandIn, startFcmStandIn } from './fcm-stand-in';
import { findOrInstallNginx, nginxArgs, probeMtlsPeer, writeMtlsPeerConfig } from './mtls-peer';
import { freePorts, waitFor } from './ports';
import { startPushReceiver } from './push-receiver';
import { type Supervisor, supervise } from './supervisor';
import { findOrBuildTemporalCli, TEMPORAL_CLI_HELP } from './temporal-cli';
import { makeTestCertificates, type TestCertificates, TLS_SERVER_NAME } from './tls-certs';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
export const TOOLS_DIR = path.join(PROJECT_ROOT, '.tools');
export const LOCAL_NAMESPACE = 'reddyfit';
export const LOCAL_FIREBASE_PROJECT = 'demo-reddyfit';
/**
 * The staff tenant of the local stack. The Auth emulator creates a tenant the first time it is named, with
 * password sign-in and SMS second factors enabled (what the staff tenant in Identity Platform is set up with).
 */
export const LOCAL_STAFF_TENANT_ID = 'staff-local';
export const SEARCH_ATTRIBUTES = searchAttributeRegistrations();
export const CONTAINERS = [DEFAULT_CONTAINERS.uploads, DEFAULT_CONTAINERS.sealed, DEFAULT_CONTAINERS.archives] as const;
// Azurite's published development account (not a secret: it is the same for everyone).
const AZURITE_ACCOUNT = 'devstoreaccount1';
const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';
export interface LocalStackOptions {
  /** Where data, logs and generated config go. */
  dataDir: string;
  /** Keep Temporal/Azurite data across restarts (developer stack) or throw it away (tests). */
  persistent: boolean;
  /** Also start the mTLS peer (nginx demanding a client certificate from the test CA) in front of Temporal. */
  mtls?: boolean;
  /**
   * Push through FCM (PUSH_TRANSPORT=fcm) to the FCM stand-in (scripts/lib/fcm-stand-in.ts) instead of the
   * signed webhook; the webhook receiver still runs, for whoever sets PUSH_TRANSPORT=webhook.
   */
  fcm?: boolean;
  log?: (line: string) => void;
}

/** The mTLS peer: its address and the certificates made for it (accepted and refused ones). */
export interface MtlsPeer {
  address: string;
  certs: TestCertificates;
}

export interface LocalStack {
  /** Connection settings for the worker, the functions host and the tests (config names). */
  env: Record<string, string>;
  urls: {
    temporal: string;
    temporalUi: string;
    codec: string;
    blob: string;
    firestore: string;
    auth: string;
    push: string;
    pushList: string;
    /** The messages the FCM stand-in accepted (GET, JSON); only with `fcm`. */
    fcmList?: string;
  };
  temporalCliSource: string;
  /** The `temporal` CLI the stack runs, when it runs one (tests use it to export histories). */
  temporalCliPath?: string;
  /** PIDs of the guard processes (each owns one service's process group). */
  pids: number[];
  /** Restarts the Temporal dev server when it dies (same port, same database file); absent without a CLI. */
  temporalSupervisor?: Supervisor;
  /** Present when started with `mtls`. */
  mtls?: MtlsPeer;
  stop(): Promise<void>;
}

interface Service {
  name: string;
  proc: ChildProcess;
  logFile: string;
}

/** Starts one service under scripts/lib/guard.cjs so it dies with us, however we die. */
function spawnGuarded(
  name: string,
  command: string,
  args: string[],
  opts: { cwd: string; logDir: string; env?: NodeJS.ProcessEnv; append?: boolean },
): Service {
  const logFile = path.join(opts.logDir, `${name}.log`);
  const fd = openSync(logFile, opts.append ? 'a' : 'w');
  const proc = spawn(process.execPath, [path.join(__dirname, 'guard.cjs'), command, ...args], {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ['pipe', fd, fd],
  });
  closeSync(fd);
  return { name, proc, logFile };
}

function tail(file: string, lines = 25): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

async function stopService(s: Service): Promise<void> {
  if (s.proc.exitCode !== null || s.proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => s.proc.once('exit', () => resolve()));
  s.proc.kill('SIGTERM');
  const timer = setTimeout(() => s.proc.kill('SIGKILL'), 12_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts one service, retrying on fresh ports when it dies during start-up: a port the OS called free
 * can be taken by another process before the service binds it (tests and a dev stack run side by side).
 */
async function startWithRetry<T>(
  name: string,
  services: Service[],
  attempt: () => Promise<{ service?: Service; ready: () => Promise<T> }>,
  log: (l: string) => void,
  tries = 3,
): Promise<T> {
  for (let i = 1; ; i++) {
    const { service, ready } = await attempt();
    if (service) services.push(service);
    const died = service
      ? new Promise<never>((_, reject) =>
          service.proc.once('exit', (code) => reject(new Error(`${name} exited during start-up (code ${code})`))),
        )
      : new Promise<never>(() => {});
    died.catch(() => undefined);
    try {
      const value = await Promise.race([ready(), died]);
      log(`${name} ready`);
      return value;
    } catch (err) {
      if (service) {
        await stopService(service);
        services.splice(services.indexOf(service), 1);
      }
      const detail = service ? `\n--- ${service.logFile} ---\n${tail(service.logFile)}` : '';
      if (i >= tries) throw new Error(`${name} failed to start: ${(err as Error).message}${detail}`);
      log(`${name} failed to start (${(err as Error).message}); retrying on fresh ports`);
    }
  }
}

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const log = options.log ?? (() => {});
  const dataDir = path.resolve(options.dataDir);
  const logDir = path.join(dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const services: Service[] = [];
  let stopTemporalDownload: (() => Promise<void>) | undefined;
  let stopping = false;
  let push: Awaited<ReturnType<typeof startPushReceiver>> | undefined;
  let fcm: FcmStandIn | undefined;
  let codec: Awaited<ReturnType<typeof startCodecServer>> | undefined;
  let temporalSupervisor: Supervisor | undefined;
  const supervised = new Set<string>();
  const stop = async () => {
    stopping = true;
    await Promise.all(services.map(stopService));
    await stopTemporalDownload?.();
    await push?.close();
    await fcm?.close();
    await codec?.close();
  };

  try {
    const cli = await findOrBuildTemporalCli(TOOLS_DIR, log);
    const saArgs = Object.entries(SEARCH_ATTRIBUTES).flatMap(([k, t]) => ['--search-attribute', `${k}=${t}`]);
    // Task queue priority (common/temporal/priority.ts) orders a backlog within one partition; the dev
    // server splits each queue into four, which would let a background task in another partition go first.
    // One worker process polls here, so one partition costs nothing. The priority matcher is named, not left
    // to the server's default, so a CLI upgrade cannot switch it off unnoticed (test/task-priority.test.ts).
    // A build's drainage status (scripts/lib/rollout.ts) is refreshed every second, and a build stays
    // draining 5 s after it stops being current (the server's defaults: 3 min each, for a remote visibility
    // store that lags; the dev server's SQLite does not), so a local rollout removes a drained build at once.
    const serverArgs = [
      ...saArgs,
      ...[
        'matching.useNewMatcher=true',
        'matching.numTaskqueueReadPartitions=1',
        'matching.numTaskqueueWritePartitions=1',
        'matching.wv.VersionDrainageStatusRefreshInterval=1',
        'matching.wv.VersionDrainageStatusVisibilityGracePeriod=5',
      ].flatMap((v) => ['--dynamic-config-value', v]),
    ];
    const temporalCliSource = cli ? `${cli.source}: ${cli.path}` : 'downloaded by @temporalio/testing';

    // The Web UI decodes encrypted payloads through this endpoint; the key stays in this process.
    let uiOrigin: string | undefined;
    codec = await startCodecServer(new EncryptionCodec(parsePayloadKey(LOCAL_PAYLOAD_KEY), [], { readUnencrypted: true }), {
      port: 0,
      allowedOrigin: () => uiOrigin,
    });

    const temporal = startWithRetry(
      'temporal',
      services,
      async () => {
        const [port, ui, http, metrics] = await freePorts(4);
        uiOrigin = `http://127.0.0.1:${ui}`;
        const address = `127.0.0.1:${port}`;
        const ready = () =>
          waitFor(
            'Temporal',
            async () => {
              const conn = await Connection.connect({ address, connectTimeout: 2000 });
              try {
                const { customAttributes } = await conn.operatorService.listSearchAttributes({ namespace: LOCAL_NAMESPACE });
                return (
                  Object.keys(SEARCH_ATTRIBUTES).every((k) => k in (customAttributes ?? {})) && { address, ui: `http://127.0.0.1:${ui}` }
                );
              } finally {
                await conn.close();
              }
            },
            90_000,
            500,
          );
        if (!cli) {
          // No CLI could be had (findOrBuildTemporalCli said why): @temporalio/testing downloads the dev server
          // from Temporal's CDN, the last resort (needs internet beyond the package registries).
          log('letting @temporalio/testing download the dev server');
          const { TestWorkflowEnvironment } = await import('@temporalio/testing');
          const env = await TestWorkflowEnvironment.createLocal({
            server: {
              ip: '127.0.0.1',
              port,
              ui: true,
              uiPort: ui,
              namespace: LOCAL_NAMESPACE,
              dbFilename: options.persistent ? path.join(dataDir, 'temporal.sqlite') : undefined,
              extraArgs: serverArgs,
            },
          }).catch((err: Error) => {
            throw new Error(`@temporalio/testing could not download the dev server either (${err.message})\n${TEMPORAL_CLI_HELP}`);
          });
          stopTemporalDownload = () => env.teardown();
          return { ready };
        }
        const args = [
          'server',
          'start-dev',
          '--ip',
          '127.0.0.1',
          '--port',
          String(port),
          '--ui-ip',
          '127.0.0.1',
          '--ui-port',
          String(ui),
          '--http-port',
          String(http),
          '--metrics-port',
          String(metrics),
          '--namespace',
          LOCAL_NAMESPACE,
          ...serverArgs,
          '--log-level',
          'warn',
          '--ui-codec-endpoint',
          codec!.url,
        ];
        // Always file-backed (a throw-away stack keeps it in its throw-away folder): the supervisor
        // restarts a dead server on the same file and running workflows carry on.
        args.push('--db-filename', path.join(dataDir, 'temporal.sqlite'));
        const service = spawnGuarded('temporal', cli.path, args, { cwd: dataDir, logDir });
        const readyThenSupervised = async () => {
          const value = await ready();
          temporalSupervisor = supervise(service, {
            respawn: () => spawnGuarded('temporal', cli.path, args, { cwd: dataDir, logDir, append: true }).proc,
            ready,
            stopping: () => stopping,
            log,
          });
          supervised.add(service.name);
          return value;
        };
        return { service, ready: readyThenSupervised };
      },
      log,
    );

    const azurite = startWithRetry(
      'azurite',
      services,
      async () => {
        const [port] = await freePorts(1);
        const args = [
          require.resolve('azurite/dist/src/blob/main.js'),
          '--blobHost',
          '127.0.0.1',
          '--blobPort',
          String(port),
          '--skipApiVersionCheck',
          '--loose',
          '--disableProductStyleUrl',
        ];
        if (options.persistent) mkdirSync(path.join(dataDir, 'azurite'), { recursive: true });
        args.push(...(options.persistent ? ['--location', path.join(dataDir, 'azurite')] : ['--inMemoryPersistence']));
        const endpoint = `http://127.0.0.1:${port}/${AZURITE_ACCOUNT}`;
        const connectionString = `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${endpoint};`;
        return {
          service: spawnGuarded('azurite', process.execPath, args, { cwd: dataDir, logDir }),
          ready: () =>
            waitFor('Azurite', async () => {
              const svc = BlobServiceClient.fromConnectionString(connectionString);
              for (const c of CONTAINERS) await svc.getContainerClient(c).createIfNotExists();
              return { endpoint, connectionString };
            }),
        };
      },
      log,
    );

    const firestore = startWithRetry(
      'firestore',
      services,
      async () => {
        const [port] = await freePorts(1);
        const service = spawnGuarded('firestore', process.execPath, [path.join(__dirname, 'firestore-emulator.cjs'), String(port)], {
          cwd: dataDir,
          logDir,
        });
        // Ready when *our* child says it listens (an open port alone could belong to someone else).
        return {
          service,
          ready: () =>
            waitFor(
              'Firestore emulator',
              async () => tail(service.logFile).includes(`listening on 127.0.0.1:${port}`) && `127.0.0.1:${port}`,
            ),
        };
      },
      log,
    );

    const auth = startWithRetry(
      'firebase-auth',
      services,
      async () => {
        const [port, hub, logging] = await freePorts(3);
        const fbDir = path.join(dataDir, 'firebase');
        mkdirSync(fbDir, { recursive: true });
        // The Emulator UI stays off: it would be downloaded, and nothing outside the registries is reachable.
        writeFileSync(
          path.join(fbDir, 'firebase.json'),
          JSON.stringify(
            {
              emulators: {
                auth: { host: '127.0.0.1', port },
                hub: { host: '127.0.0.1', port: hub },
                logging: { host: '127.0.0.1', port: logging },
                ui: { enabled: false },
                singleProjectMode: true,
              },
            },
            null,
            2,
          ),
        );
        const service = spawnGuarded(
          'firebase-auth',
          process.execPath,
          [
            require.resolve('firebase-tools/lib/bin/firebase.js'),
            'emulators:start',
            '--only',
            'auth',
            '--project',
            LOCAL_FIREBASE_PROJECT,
            '--config',
            path.join(fbDir, 'firebase.json'),
          ],
          { cwd: fbDir, logDir, env: { NO_UPDATE_NOTIFIER: '1' } },
        );
        return {
          service,
          ready: () =>
            waitFor(
              'Auth emulator',
              async () => {
                const res = await fetch(`http://127.0.0.1:${port}/`);
                return (
                  res.ok &&
                  ((await res.json()) as { authEmulator?: { ready?: boolean } }).authEmulator?.ready === true &&
                  `127.0.0.1:${port}`
                );
              },
              // firebase-tools loads slowly when the machine is busy (seen > 90 s on 2 shared cores)
              240_000,
              500,
            ),
        };
      },
      log,
    );

    const [t, a, f, fa] = await Promise.all([temporal, azurite, firestore, auth]);
    const mtls = options.mtls ? await startMtlsPeer(t.address, dataDir, logDir, services, log) : undefined;
    push = await startPushReceiver(0);
    if (options.fcm) fcm = await startFcmStandIn({ projectId: LOCAL_FIREBASE_PROJECT, certDir: path.join(dataDir, 'fcm-stand-in') });
    for (const s of services.filter((s) => !supervised.has(s.name))) {
      s.proc.once('exit', (code) => {
        if (!stopping) log(`${s.name} exited unexpectedly (code ${code}); its log ends:\n${tail(s.logFile)}`);
      });
    }

    const env: Record<string, string> = {
      REDDYFIT_LOCAL_MODE: 'true',
      TEMPORAL_ADDRESS: t.address,
      TEMPORAL_NAMESPACE: LOCAL_NAMESPACE,
      TEMPORAL_UI_URL: t.ui,
      PAYLOAD_ENCRYPTION_KEY: LOCAL_PAYLOAD_KEY,
      REVIEW_SIGNING_KEY: LOCAL_REVIEW_SIGNING_KEY,
      FIREBASE_PROJECT_ID: LOCAL_FIREBASE_PROJECT,
      FIRESTORE_EMULATOR_HOST: f,
      FIREBASE_AUTH_EMULATOR_HOST: fa,
      STAFF_TENANT_ID: LOCAL_STAFF_TENANT_ID,
      ScanStorage: a.connectionString,
      PUSH_TRANSPORT: 'webhook',
      PUSH_WEBHOOK_URL: push.url,
      PUSH_WEBHOOK_SECRET: push.secret,
      // PUSH_TRANSPORT=fcm, the stand-in's service account, and how a process reaches it (NODE_OPTIONS).
      ...fcm?.clientEnv,
    };
    return {
      env,
      urls: {
        temporal: t.address,
        temporalUi: t.ui,
        codec: codec.url,
        blob: a.endpoint,
        firestore: f,
        auth: `http://${fa}`,
        push: push.url,
        pushList: push.listUrl,
        fcmList: fcm?.listUrl,
      },
      temporalCliSource,
      temporalCliPath: cli?.path,
      pids: services.map((s) => s.proc.pid!),
      temporalSupervisor,
      mtls,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** nginx in front of the dev server, with certificates made for it in the data folder. */
async function startMtlsPeer(upstream: string, dataDir: string, logDir: string, services: Service[], log: (l: string) => void) {
  const certs = makeTestCertificates(path.join(dataDir, 'tls'));
  const nginx = findOrInstallNginx(log);
  return startWithRetry(
    'mtls-peer',
    services,
    async () => {
      const port = (await freePorts(1))[0]!;
      const dir = path.join(dataDir, 'mtls-peer');
      const config = writeMtlsPeerConfig({ dir, logDir, port, upstream, certs });
      const address = `127.0.0.1:${port}`;
      return {
        service: spawnGuarded('mtls-peer', nginx, nginxArgs({ dir, logDir, config }), { cwd: dataDir, logDir }),
        ready: () => waitFor('mTLS peer', async () => (await probeMtlsPeer(address, certs)) && { address, certs }),
      };
    },
    log,
  );
}

/** Settings that reach Temporal through the mTLS peer with its accepted client certificate (as for Temporal Cloud). */
export function mtlsClientSettings(entries: Record<string, string>): Record<string, string> {
  const address = entries.TEMPORAL_MTLS_ADDRESS;
  const dir = entries.TEMPORAL_MTLS_CERT_DIR;
  if (!address || !dir) throw new Error('this stack runs no mTLS peer: start it with --mtls (the test stack always does)');
  return {
    TEMPORAL_ADDRESS: address,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: path.join(dir, 'ca.pem'),
    TEMPORAL_TLS_SERVER_NAME: TLS_SERVER_NAME,
    TEMPORAL_TLS_CLIENT_CERT_PATH: path.join(dir, 'client.pem'),
    TEMPORAL_TLS_CLIENT_KEY_PATH: path.join(dir, 'client.key'),
  };
}

/**
 * The connection settings plus the stack's own endpoints that tests and tools need beyond config (push
 * receiver, codec endpoint, CLI, data folder): what `npm run stack` writes and `useOrStartStack` reads.
 */
export function stackEntries(stack: LocalStack, dataDir: string): Record<string, string> {
  return {
    ...stack.env,
    PUSH_RECEIVER_LIST_URL: stack.urls.pushList,
    ...(stack.urls.fcmList ? { FCM_STAND_IN_LIST_URL: stack.urls.fcmList } : {}),
    TEMPORAL_CODEC_URL: stack.urls.codec,
    TEMPORAL_CLI: stack.temporalCliPath ?? '',
    STACK_DATA_DIR: dataDir,
    ...(stack.mtls ? { TEMPORAL_MTLS_ADDRESS: stack.mtls.address, TEMPORAL_MTLS_CERT_DIR: stack.mtls.certs.dir } : {}),
  };
}

export function readStackEnvFile(file: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#') && l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

/**
 * The stack named by REDDYFIT_STACK_ENV (a running `npm run stack`), or a throw-away one on free ports
 * that `stop()` ends and deletes. The demo, the benchmarks and the test setup all start this way.
 */
export async function useOrStartStack(name: string, log: (line: string) => void = () => {}, opts: { mtls?: boolean; fcm?: boolean } = {}) {
  const file = process.env.REDDYFIT_STACK_ENV;
  if (file) {
    log(`using the running stack from ${file}`);
    return { env: readStackEnvFile(file), source: `the running stack in ${file}`, stop: async () => {} };
  }
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `reddyfit-${name}-`));
  const started = Date.now();
  const stack = await startLocalStack({ dataDir, persistent: false, log, mtls: opts.mtls, fcm: opts.fcm });
  log(`up in ${((Date.now() - started) / 1000).toFixed(1)}s (Temporal from ${stack.temporalCliSource}); Web UI ${stack.urls.temporalUi}`);
  return {
    env: stackEntries(stack, dataDir),
    source: `a throw-away stack (Temporal from ${stack.temporalCliSource})`,
    stop: async () => {
      await stack.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** dotenv-style text of the connection settings (what `npm run stack` writes to .data/stack.env). */
export function toEnvFile(env: Record<string, string>): string {
  return `# Written by scripts/stack.ts for the running local stack; regenerated on every start.\n${Object.entries(env)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;
}

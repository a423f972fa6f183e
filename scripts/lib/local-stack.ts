import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, closeSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { Connection } from '@temporalio/client';
import { findOrBuildTemporalCli } from './temporal-cli';
import { freePorts, isPortOpen, waitFor } from './ports';
import { startPushReceiver } from './push-receiver';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
export const TOOLS_DIR = path.join(PROJECT_ROOT, '.tools');
export const LOCAL_NAMESPACE = 'reddyfit';
export const LOCAL_FIREBASE_PROJECT = 'demo-reddyfit';
export const SEARCH_ATTRIBUTES = { ScanStatus: 'Keyword', ScanProgress: 'Int' } as const;
export const CONTAINERS = ['scan-uploads', 'workflow-archives'] as const;
// Azurite's published development account (not a secret: it is the same for everyone).
const AZURITE_ACCOUNT = 'devstoreaccount1';
const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface LocalStackOptions {
  /** Where data, logs and generated config go. */
  dataDir: string;
  /** Keep Temporal/Azurite data across restarts (developer stack) or throw it away (tests). */
  persistent: boolean;
  log?: (line: string) => void;
}

export interface LocalStack {
  /** Connection settings for the worker, the functions host and the tests (config names). */
  env: Record<string, string>;
  urls: { temporal: string; temporalUi: string; blob: string; firestore: string; auth: string; push: string; pushList: string };
  temporalCliSource: string;
  /** PIDs of the guard processes (each owns one service's process group). */
  pids: number[];
  stop(): Promise<void>;
}

interface Service {
  name: string;
  proc: ChildProcess;
  logFile: string;
}

/** Starts one service under scripts/lib/guard.cjs so it dies with us, however we die. */
function spawnGuarded(name: string, command: string, args: string[], opts: { cwd: string; logDir: string; env?: NodeJS.ProcessEnv }): Service {
  const logFile = path.join(opts.logDir, `${name}.log`);
  const fd = openSync(logFile, 'w');
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

export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const log = options.log ?? (() => {});
  const dataDir = path.resolve(options.dataDir);
  const logDir = path.join(dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const [tPort, tUi, tHttp, tMetrics, blobPort, fsPort, authPort, hubPort, loggingPort, pushPort] = await freePorts(10);
  const services: Service[] = [];
  let stopTemporalDownload: (() => Promise<void>) | undefined;
  let stopping = false;

  const stop = async () => {
    await Promise.all(services.map(stopService));
    await stopTemporalDownload?.();
    await push?.close();
  };

  let push: Awaited<ReturnType<typeof startPushReceiver>> | undefined;
  try {
    // Temporal dev server
    const cli = await findOrBuildTemporalCli(TOOLS_DIR, log);
    const saArgs = Object.entries(SEARCH_ATTRIBUTES).flatMap(([k, t]) => ['--search-attribute', `${k}=${t}`]);
    let temporalCliSource: string;
    if (cli) {
      temporalCliSource = `${cli.source}: ${cli.path}`;
      const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(tPort), '--ui-ip', '127.0.0.1', '--ui-port', String(tUi),
        '--http-port', String(tHttp), '--metrics-port', String(tMetrics), '--namespace', LOCAL_NAMESPACE, ...saArgs, '--log-level', 'warn'];
      if (options.persistent) args.push('--db-filename', path.join(dataDir, 'temporal.sqlite'));
      services.push(spawnGuarded('temporal', cli.path, args, { cwd: dataDir, logDir }));
    } else {
      // No CLI and no Go: @temporalio/testing downloads the dev server (needs internet).
      log('no temporal CLI found and no Go to build one: letting @temporalio/testing download the dev server');
      const { TestWorkflowEnvironment } = await import('@temporalio/testing');
      const env = await TestWorkflowEnvironment.createLocal({
        server: {
          ip: '127.0.0.1', port: tPort, ui: true, uiPort: tUi, namespace: LOCAL_NAMESPACE,
          dbFilename: options.persistent ? path.join(dataDir, 'temporal.sqlite') : undefined,
          extraArgs: saArgs,
        },
      });
      stopTemporalDownload = () => env.teardown();
      temporalCliSource = 'downloaded by @temporalio/testing';
    }

    // Azurite (Blob)
    const azuriteArgs = [require.resolve('azurite/dist/src/blob/main.js'), '--blobHost', '127.0.0.1', '--blobPort', String(blobPort),
      '--skipApiVersionCheck', '--loose', '--disableProductStyleUrl'];
    azuriteArgs.push(...(options.persistent ? ['--location', path.join(dataDir, 'azurite')] : ['--inMemoryPersistence']));
    if (options.persistent) mkdirSync(path.join(dataDir, 'azurite'), { recursive: true });
    services.push(spawnGuarded('azurite', process.execPath, azuriteArgs, { cwd: dataDir, logDir }));

    // Firestore emulator (in memory; the developer stack's Firestore state lives as long as the stack)
    services.push(spawnGuarded('firestore', process.execPath, [path.join(__dirname, 'firestore-emulator.cjs'), String(fsPort)], { cwd: dataDir, logDir }));

    // Firebase Auth emulator (firebase-tools), with the Emulator UI off: it would be downloaded.
    const fbDir = path.join(dataDir, 'firebase');
    mkdirSync(fbDir, { recursive: true });
    writeFileSync(path.join(fbDir, 'firebase.json'), JSON.stringify({
      emulators: {
        auth: { host: '127.0.0.1', port: authPort },
        hub: { host: '127.0.0.1', port: hubPort },
        logging: { host: '127.0.0.1', port: loggingPort },
        ui: { enabled: false },
        singleProjectMode: true,
      },
    }, null, 2));
    services.push(spawnGuarded('firebase-auth', process.execPath,
      [require.resolve('firebase-tools/lib/bin/firebase.js'), 'emulators:start', '--only', 'auth', '--project', LOCAL_FIREBASE_PROJECT, '--config', path.join(fbDir, 'firebase.json')],
      { cwd: fbDir, logDir, env: { NO_UPDATE_NOTIFIER: '1', FIREBASE_CLI_EXPERIMENTS: '' } }));

    push = await startPushReceiver(pushPort!);

    for (const s of services) {
      s.proc.once('exit', (code) => {
        if (!stopping) log(`${s.name} exited unexpectedly (code ${code}); its log ends:\n${tail(s.logFile)}`);
      });
    }

    const blobEndpoint = `http://127.0.0.1:${blobPort}/${AZURITE_ACCOUNT}`;
    const connectionString = `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_KEY};BlobEndpoint=${blobEndpoint};`;

    const health = async (name: string, fn: () => Promise<unknown>) => {
      const svc = services.find((s) => s.name === name);
      try {
        await fn();
        log(`${name} ready`);
      } catch (err) {
        throw new Error(`${name} failed to start: ${(err as Error).message}${svc ? `\n--- ${svc.logFile} ---\n${tail(svc.logFile)}` : ''}`);
      }
    };
    await Promise.all([
      health('temporal', () => waitFor('Temporal', async () => {
        const conn = await Connection.connect({ address: `127.0.0.1:${tPort}`, connectTimeout: 2000 });
        try {
          const { customAttributes } = await conn.operatorService.listSearchAttributes({ namespace: LOCAL_NAMESPACE });
          return Object.keys(SEARCH_ATTRIBUTES).every((k) => k in (customAttributes ?? {}));
        } finally {
          await conn.close();
        }
      }, 90_000, 500)),
      health('azurite', () => waitFor('Azurite', async () => {
        const svc = BlobServiceClient.fromConnectionString(connectionString);
        for (const c of CONTAINERS) await svc.getContainerClient(c).createIfNotExists();
        return true;
      })),
      health('firestore', () => waitFor('Firestore emulator', () => isPortOpen(fsPort!))),
      health('firebase-auth', () => waitFor('Auth emulator', async () => {
        const res = await fetch(`http://127.0.0.1:${authPort}/`);
        return res.ok && ((await res.json()) as { authEmulator?: { ready?: boolean } }).authEmulator?.ready === true;
      }, 90_000, 500)),
    ]);

    const env: Record<string, string> = {
      TEMPORAL_ADDRESS: `127.0.0.1:${tPort}`,
      TEMPORAL_NAMESPACE: LOCAL_NAMESPACE,
      TEMPORAL_UI_URL: `http://127.0.0.1:${tUi}`,
      FIREBASE_PROJECT_ID: LOCAL_FIREBASE_PROJECT,
      FIRESTORE_EMULATOR_HOST: `127.0.0.1:${fsPort}`,
      FIREBASE_AUTH_EMULATOR_HOST: `127.0.0.1:${authPort}`,
      ScanStorage: connectionString,
      PUSH_TRANSPORT: 'webhook',
      PUSH_WEBHOOK_URL: push.url,
      PUSH_WEBHOOK_SECRET: push.secret,
    };
    return {
      env,
      urls: {
        temporal: env.TEMPORAL_ADDRESS!, temporalUi: env.TEMPORAL_UI_URL!, blob: blobEndpoint, firestore: env.FIRESTORE_EMULATOR_HOST!,
        auth: `http://${env.FIREBASE_AUTH_EMULATOR_HOST}`, push: push.url, pushList: push.listUrl,
      },
      temporalCliSource,
      pids: services.map((s) => s.proc.pid!),
      stop: async () => {
        stopping = true;
        await stop();
      },
    };
  } catch (err) {
    stopping = true;
    await stop();
    throw err;
  }
}


/** dotenv-style text of the connection settings (what `npm run stack` writes to .data/stack.env). */
export function toEnvFile(env: Record<string, string>): string {
  return `# Written by scripts/stack.ts for the running local stack; regenerated on every start.\n${Object.entries(env)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n')}\n`;
}

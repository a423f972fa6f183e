import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, lstatSync, mkdtempSync, openSync, readdirSync, readFileSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createBlobService } from '../common/clients/blob';
import { createFirebase } from '../common/clients/firebase';
import { createTemporalClient } from '../common/clients/temporal';
import { freePort } from '../scripts/lib/ports';
import { cachedStage, copyArgs, dockerignore, parseDockerfile, type ReplayedStage, replayStage } from './helpers/dockerfile';
import { azureModelSettings, runScan, scanProbe } from './helpers/model-scan';
import { ModelServer } from './helpers/model-server';
import { stackEnv, testConfig, uniqueTaskQueue } from './helpers/stack';
import { PROJECT_ROOT } from './helpers/worker-process';

// Issue 10 item 4, without a Docker engine: Dockerfile.worker is followed instruction by instruction
// (test/helpers/dockerfile.ts) into a clean folder, and the worker is started from exactly the runtime
// stage's WORKDIR as its numeric USER, against the local stack, and runs a model-backed scan.
// Not replayed, and why: the runtime stage's `apt-get install ca-certificates tini` (system packages of
// the base image; the host has its own CA store, and no TLS is used against the local stack), hence the
// ENTRYPOINT (tini) too: CMD runs directly. The base image's `node` is the host's Node 22 (same major).
// The build stage (two `npm ci`, tsc, the workflow bundle) is cached in .cache/worker-image/<key>, the
// key a hash of the stage's instructions and every file its COPY lines take, so a repeat run skips it and
// a fresh clone (no .cache) builds it.

const DOCKERFILE = path.join(PROJECT_ROOT, 'Dockerfile.worker');
const CACHE_DIR = path.join(PROJECT_ROOT, '.cache', 'worker-image');
const stages = parseDockerfile(readFileSync(DOCKERFILE, 'utf8'));
const build = stages[0]!;
const runtimeStage = stages.at(-1)!;

// Packages that must never reach the image: build, test and lint tools. (@types/node does: protobufjs and
// others list it as a dependency.)
const TOOLS = [
  'typescript',
  'vitest',
  '@biomejs/biome',
  'tsx',
  'vite',
  'playwright-core',
  'esbuild',
  'azurite',
  'firebase-tools',
  '@firestore-emulator/server',
  '@temporalio/testing',
  'autocannon',
  // The workflow bundler's toolchain: the bundle is prebuilt, so the worker never compiles or bundles.
  '@swc/core',
  'swc-loader',
  'terser',
  'enhanced-resolve',
  // MSAL for browsers: only @azure/identity's browser build imports it.
  '@azure/msal-browser',
];

describe('Dockerfile.worker', () => {
  it('pins its base, runs as a numeric non-root user, and its .dockerignore admits exactly what it copies', () => {
    for (const s of stages)
      expect(s.base, 'base image pinned to an exact release').toMatch(/^[\w./-]+:\d+\.\d+\.\d+[\w.-]*(@sha256:[0-9a-f]{64})?$/);
    const user = runtimeStage.instructions.filter((i) => i.op === 'USER').at(-1)?.args;
    expect(user).toMatch(/^[1-9]\d*:[1-9]\d*$/);

    const ignore = dockerignore(readFileSync(path.join(PROJECT_ROOT, '.dockerignore'), 'utf8'));
    const copied = stages
      .flatMap((s) => s.instructions.filter((i) => i.op === 'COPY').map((i) => copyArgs(i.args)))
      .filter((c) => c.from === undefined)
      .flatMap((c) => c.sources.map((s) => path.posix.normalize(s).replace(/\/$/, '')));
    expect(ignore.patterns[0]).toEqual({ exclude: true, pattern: '*' }); // deny by default
    const admitted = ignore.patterns.filter((p) => !p.exclude).map((p) => p.pattern);
    expect([...admitted].sort()).toEqual([...copied].sort());
    for (const src of copied) expect(ignore.ignored(src), src).toBe(false);
    expect(ignore.ignored('worker/config.test.ts')).toBe(true);
    expect(ignore.ignored('test/stack.test.ts')).toBe(true);
    expect(ignore.ignored('node_modules/zod/package.json')).toBe(true);
  });
});

const server = new ModelServer();
const firebase = createFirebase(testConfig(), `worker-image-${Date.now()}`);
const scratch = mkdtempSync(path.join(tmpdir(), 'worker-image-'));
chmodSync(scratch, 0o755); // like an image's /, reachable by the non-root user
let worker: ChildProcess | undefined;
afterAll(async () => {
  worker?.kill('SIGKILL');
  await server.stop().catch(() => undefined);
  await firebase.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('the worker image, built by following Dockerfile.worker into a clean folder', () => {
  it('runs a model-backed scan from exactly its runtime folder, as uid 10001, which cannot write there', async () => {
    const log = (l: string) => process.stderr.write(`[worker-image] ${l}\n`);
    const runEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/root' }; // npm reads its registry and cache from HOME
    // What the runtime stage copies from the build stage is all that is cached.
    const keep = runtimeStage.instructions
      .filter((i) => i.op === 'COPY')
      .map((i) => copyArgs(i.args))
      .filter((c) => c.from === build.name || c.from === '0')
      .flatMap((c) => c.sources);
    const started = Date.now();
    const built = cachedStage(build, keep, { context: PROJECT_ROOT, stages: new Map(), runEnv, log, cacheDir: CACHE_DIR });
    log(
      built.hit
        ? `build stage ${built.key}: cached`
        : `build stage ${built.key}: built in ${((Date.now() - started) / 1000).toFixed(0)} s (RUN: ${built.replayed.runSeconds.map((s) => s.toFixed(0)).join(', ')} s)`,
    );
    const stageMap = new Map<string, ReplayedStage>([
      ['0', built.replayed],
      [build.name ?? '0', built.replayed],
    ]);
    const runtime = replayStage(runtimeStage, {
      context: PROJECT_ROOT,
      root: path.join(scratch, 'runtime'),
      stages: stageMap,
      runEnv,
      skipRun: (args) => (/apt-get/.test(args) ? 'system packages of the base image (the host has its own)' : undefined),
      log,
    });
    for (const s of runtime.skipped) log(`not replayed: ${s}`);
    expect(runtime.skipped).toHaveLength(1);
    const app = path.join(runtime.root, runtime.workdir);
    expect(runtime.user).toEqual({ uid: 10001, gid: 10001 });
    expect(runtime.cmd).toEqual(['node', 'dist/worker/main.js']);
    expect(runtime.expose).toEqual([Number(runtime.env.WORKER_HEALTH_PORT)]);
    expect(process.versions.node.split('.')[0]).toBe(/:(\d+)\./.exec(runtimeStage.base)?.[1]); // the host's Node stands in for the base image's

    // What the folder holds: compiled code, the prompts, the prebuilt bundle, production dependencies only.
    const files = walk(app);
    expect(readdirSync(path.join(app, 'dist/worker/model/prompts')).sort()).toEqual(
      readdirSync(path.join(PROJECT_ROOT, 'worker/model/prompts')).sort(),
    );
    expect(files.some((f) => f.rel === 'dist/worker/workflow-bundle.js')).toBe(true);
    expect(readdirSync(app).sort()).toEqual(['dist', 'node_modules', 'package-lock.json', 'package.json']);
    expect(files.filter((f) => f.rel.startsWith('dist/') && /\.test\.(ts|js)$/.test(f.rel)).map((f) => f.rel)).toEqual([]); // the project's own tests
    const lock = JSON.parse(readFileSync(path.join(app, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean; optional?: boolean }>;
    };
    const installed = new Set(files.filter((f) => f.rel.endsWith('/package.json')).map((f) => path.posix.dirname(f.rel)));
    const devOnly = Object.entries(lock.packages).filter(([p, e]) => p && e.dev && installed.has(p));
    expect(devOnly.map(([p]) => p)).toEqual([]);
    for (const tool of TOOLS) expect(installed.has(`node_modules/${tool}`), tool).toBe(false);
    for (const p of installed) {
      if (/(^|\/)node_modules\/(@[^/]+\/)?[^/@]+$/.test(p) && !lock.packages[p]) {
        // a folder with a package.json that is not a package of the lock must be inside one (its own files)
        expect(
          [...installed].some((q) => lock.packages[q] && p.startsWith(`${q}/`)),
          `${p} is in no package of the lock`,
        ).toBe(true);
      }
    }
    // Native code: only this platform's (ELF for this CPU; no musl build on a glibc system, no macOS or Windows files).
    const machine = { x64: 62, arm64: 183 }[process.arch as 'x64' | 'arm64'];
    const natives = files.filter((f) => f.magic.startsWith('7f454c46') || /\.(node|dll|dylib|exe)$/.test(f.rel));
    expect(natives.length).toBeGreaterThan(0);
    for (const f of natives) {
      expect(f.magic.startsWith('7f454c46'), `${f.rel} is not an ELF file`).toBe(true);
      expect(f.machine, `${f.rel} is for another CPU`).toBe(machine);
      expect(f.rel, `${f.rel} is a musl build`).not.toMatch(/musl/);
    }
    expect(readdirSync(path.join(app, 'node_modules/@temporalio/core-bridge/releases'))).toHaveLength(1);
    // Root-owned and not writable by the image's user (nor by anyone but root).
    const writable = files.filter((f) => f.uid !== 0 || f.gid === runtime.user!.gid || (f.mode & 0o022) !== 0);
    expect(writable.map((f) => f.rel)).toEqual([]);

    const mb = (p: string) => Number(spawnSync('du', ['-sm', p], { encoding: 'utf8' }).stdout.split('\t')[0]);
    const sizes = spawnSync('sh', ['-c', 'du -sm node_modules/[!@.]* node_modules/@*/* | sort -rn | head -12'], {
      cwd: app,
      encoding: 'utf8',
    });
    log(
      `runtime ${mb(app)} MB, node_modules ${mb(path.join(app, 'node_modules'))} MB, dist ${mb(path.join(app, 'dist'))} MB; largest:\n${sizes.stdout}`,
    );
    // Issue 27 item 5: under 250 MB. Nothing Node never reads at run time is shipped (type declarations,
    // TypeScript sources, source maps), and of webpack only the entry @temporalio/worker loads is left.
    expect(mb(app)).toBeLessThan(250);
    expect(files.filter((f) => f.rel.startsWith('node_modules/') && /\.([cm]?ts|map)$/.test(f.rel)).map((f) => f.rel)).toEqual([]);
    expect(
      files
        .filter((f) => f.rel.startsWith('node_modules/webpack/lib/'))
        .map((f) => f.rel)
        .sort(),
    ).toEqual(['node_modules/webpack/lib/index.js', 'node_modules/webpack/lib/util', 'node_modules/webpack/lib/util/memoize.js']);

    // Start CMD as USER, from WORKDIR, with ENV, against the local stack and the local model server.
    await server.start();
    const taskQueue = uniqueTaskQueue('worker-image');
    const healthPort = await freePort(); // the image's 8080 may be taken on a shared machine
    const { PUSH_RECEIVER_LIST_URL: _, STACK_DATA_DIR: __, ...stack } = stackEnv();
    const env = {
      PATH: `${path.dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
      HOME: '/', // what Docker sets for a uid without a passwd entry
      ...stack,
      ...azureModelSettings(server),
      TEMPORAL_TASK_QUEUE: taskQueue,
      LOG_LEVEL: 'info',
      ...runtime.env,
      WORKER_HEALTH_PORT: String(healthPort),
    };
    const [cmd, ...args] = runtime.cmd!;
    const asUser = { cwd: app, env, uid: runtime.user!.uid, gid: runtime.user!.gid };
    // The folder is not writable to that user.
    const probe = spawnSync(
      process.execPath,
      [
        '-e',
        "try { require('fs').writeFileSync('probe', 'x'); process.stdout.write('written') } catch (e) { process.stdout.write(e.code) }",
      ],
      { ...asUser, encoding: 'utf8' },
    );
    expect(probe.stdout).toBe('EACCES');

    worker = spawn(cmd === 'node' ? process.execPath : cmd!, args, { ...asUser, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    worker.stdout!.on('data', (d) => (output += d));
    worker.stderr!.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => worker!.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (output.includes('"worker started"')) {
          clearInterval(timer);
          resolve();
        } else if (worker!.exitCode !== null) {
          clearInterval(timer);
          reject(new Error(`worker exited ${worker!.exitCode}:\n${output}`));
        }
      }, 100);
    });
    const status = readFileSync(`/proc/${worker.pid}/status`, 'utf8');
    expect(/^Uid:\s+(.*)$/m.exec(status)?.[1]?.split(/\s+/)).toEqual(Array(4).fill(String(runtime.user!.uid)));
    expect(/^Gid:\s+(.*)$/m.exec(status)?.[1]?.split(/\s+/)).toEqual(Array(4).fill(String(runtime.user!.gid)));
    expect(readlinkCwd(worker.pid!)).toBe(app);
    expect(output).toContain('prebuilt bundle');
    // The image's HEALTHCHECK, on the port this run uses.
    const [hc, ...hcArgs] = runtime.healthcheck!.map((a) => a.replaceAll(':8080/', `:${healthPort}/`));
    expect(spawnSync(hc === 'node' ? process.execPath : hc!, hcArgs, { ...asUser, timeout: 10_000 }).status).toBe(0);

    const config = testConfig({ ...azureModelSettings(server), TEMPORAL_TASK_QUEUE: taskQueue });
    const client = await createTemporalClient(config);
    try {
      const { scan, handle } = await runScan(client, config, firebase, createBlobService(config), taskQueue);
      expect(await handle.result()).toEqual({ scanId: scan.scanId, status: 'completed' });
      const r = (await scanProbe(firebase).doc(scan.scanId)).results!;
      expect(r.quality!.method).toBe('deterministic+vision');
      expect(r.estimate!.method).toBe('vision-fused');
      // The narrative agents read their prompts from dist/worker/model/prompts at run time.
      for (const agent of ['insights', 'nutrition', 'workout'] as const) expect(r[agent]!.narrative!.source).toBe('model');
      expect(server.requests.length).toBeGreaterThan(0);
    } finally {
      await client.connection.close();
    }
    worker.kill('SIGTERM');
    expect(await exited).toBe(0);
    worker = undefined;
    // A cache miss replays the build stage: 599-672 s measured at load 5-15 on 2 cores (npm ci 5 min, npm ci
    // --omit=dev 3 min, tsc and the bundle); a hit takes 15-25 s. 20 minutes bounds the miss.
  }, 1_200_000);
});

interface FileInfo {
  rel: string;
  uid: number;
  gid: number;
  mode: number;
  magic: string;
  machine?: number | undefined;
}

/** Every file and folder under `dir` (not following links), with owner, mode and, for files, the ELF header. */
function walk(dir: string, rel = ''): FileInfo[] {
  return readdirSync(path.join(dir, rel)).flatMap((name) => {
    const r = rel ? `${rel}/${name}` : name;
    const full = path.join(dir, r);
    const st = lstatSync(full);
    const info: FileInfo = { rel: r, uid: st.uid, gid: st.gid, mode: st.isSymbolicLink() ? 0 : st.mode, magic: '' };
    if (st.isDirectory()) return [info, ...walk(dir, r)];
    if (st.isFile() && st.size >= 20) {
      const head = Buffer.alloc(20);
      const fd = openSync(full, 'r');
      readSync(fd, head, 0, 20, 0);
      closeSync(fd);
      info.magic = head.subarray(0, 4).toString('hex');
      if (info.magic === '7f454c46') info.machine = head.readUInt16LE(18);
    }
    return [info];
  });
}

function readlinkCwd(pid: number): string {
  return spawnSync('readlink', [`/proc/${pid}/cwd`], { encoding: 'utf8' }).stdout.trim();
}

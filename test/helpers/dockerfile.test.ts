import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cachedStage, dockerignore, parseDockerfile, replayStage, stageEnv, stageKey } from './dockerfile';

const context = mkdtempSync(path.join(tmpdir(), 'dockerfile-helper-'));
afterAll(() => rmSync(context, { recursive: true, force: true }));

describe('following a Dockerfile without Docker', () => {
  it('reads stages, joins continued lines and drops comments', () => {
    const stages = parseDockerfile('# c\nFROM node:22.1.0 AS build\nRUN a \\\n && b\nFROM node:22.1.0\nUSER 1:1\n');
    expect(stages.map((s) => s.name)).toEqual(['build', undefined]);
    expect(stages[0]!.instructions).toEqual([{ op: 'RUN', args: 'a && b', line: 3 }]);
    expect(() => parseDockerfile('RUN x')).toThrow(/before FROM/);
  });

  it('reads .dockerignore as Docker does: the last match wins, a folder pattern covers its contents', () => {
    const ignore = dockerignore('*\n!common/\n!scripts/a.sh\n**/*.test.ts\n');
    expect(ignore.ignored('README.md')).toBe(true);
    expect(ignore.ignored('common/x/y.ts')).toBe(false);
    expect(ignore.ignored('common/x/y.test.ts')).toBe(true);
    expect(ignore.ignored('scripts/a.sh')).toBe(false);
    expect(ignore.ignored('scripts/b.sh')).toBe(true);
  });

  it("copies a folder's contents into dest and a file into dest/, runs RUN in WORKDIR with ENV, and keys on the copied files", () => {
    mkdirSync(path.join(context, 'src/sub'), { recursive: true });
    writeFileSync(path.join(context, 'src/sub/a.txt'), 'a');
    writeFileSync(path.join(context, 'src/sub/a.test.ts'), 'no');
    writeFileSync(path.join(context, 'one.json'), '{}');
    writeFileSync(path.join(context, '.dockerignore'), '*\n!src\n!one.json\n**/*.test.ts\n');
    const [stage] = parseDockerfile(
      'FROM x:1.2.3\nWORKDIR /w\nENV A=1 B="two"\nCOPY src ./s\nCOPY one.json ./cfg/\nRUN echo "$A$B" > out\n',
    );
    const root = path.join(context, 'root');
    const replayed = replayStage(stage!, { context, root, stages: new Map(), runEnv: { PATH: process.env.PATH ?? '' } });
    expect(readFileSync(path.join(root, 'w/s/sub/a.txt'), 'utf8')).toBe('a');
    expect(() => readFileSync(path.join(root, 'w/s/sub/a.test.ts'))).toThrow(/ENOENT/);
    expect(readFileSync(path.join(root, 'w/cfg/one.json'), 'utf8')).toBe('{}');
    expect(readFileSync(path.join(root, 'w/out'), 'utf8')).toBe('1two\n');
    expect(replayed.env).toEqual({ A: '1', B: 'two' });

    const before = stageKey(stage!, context);
    writeFileSync(path.join(context, 'src/sub/a.test.ts'), 'ignored: same key');
    expect(stageKey(stage!, context)).toBe(before);
    writeFileSync(path.join(context, 'src/sub/a.txt'), 'b');
    expect(stageKey(stage!, context)).not.toBe(before);
  });

  it("reads a stage's environment without replaying it: ARG defaults substituted, later ENV lines winning", () => {
    const [, runtime] = parseDockerfile(
      'FROM x:1.2.3 AS build\nENV BUILD_ONLY=1\nFROM x:1.2.3\nARG TAG=dev\nENV A=1 B="two words"\nENV A=3 C=${TAG}-x\nRUN exit 1\n',
    );
    expect(stageEnv(runtime!)).toEqual({ A: '3', B: 'two words', C: 'dev-x' });
  });
});

describe('the shared cache of build stages (.cache/worker-image, one folder for every worktree and run)', () => {
  const cacheDir = path.join(context, 'stage-cache');
  const HOUR = 3_600_000;
  const runEnv = { PATH: process.env.PATH ?? '' };
  /** A stage of its own key (its RUN differs), its output kept; bounds as given. */
  const build = (n: number, bounds: { keepNewest: number; inUseMs: number }) => {
    const [stage] = parseDockerfile(`FROM x:1\nWORKDIR /w\nRUN echo ${n} > out\n`);
    return cachedStage(stage!, ['/w/out'], { context, stages: new Map(), runEnv, cacheDir, ...bounds });
  };
  const keyOf = (n: number) => stageKey(parseDockerfile(`FROM x:1\nWORKDIR /w\nRUN echo ${n} > out\n`)[0]!, context);
  const usedAgo = (name: string, ms: number) => {
    const t = new Date(Date.now() - ms);
    utimesSync(path.join(cacheDir, name), t, t);
  };
  const held = () => readdirSync(cacheDir).sort();
  const keys = (...ns: number[]) => ns.map(keyOf).sort();

  it('a miss keeps the newest entries and every one used within the in-use window, whatever its key', () => {
    rmSync(cacheDir, { recursive: true, force: true });
    for (const n of [1, 2, 3, 4]) expect(build(n, { keepNewest: 1, inUseMs: HOUR }).hit).toBe(false);
    // Four keys, each used just now (another run may be reading any of them): none removed.
    expect(held()).toEqual(keys(1, 2, 3, 4));
    expect(readFileSync(path.join(cacheDir, keyOf(4), 'w/out'), 'utf8')).toBe('4\n');

    // Three of them long unused: beyond the newest three (5, 4 and 3, however old), they go.
    usedAgo(keyOf(1), 3 * HOUR);
    usedAgo(keyOf(2), 2 * HOUR);
    usedAgo(keyOf(3), 1.5 * HOUR);
    build(5, { keepNewest: 3, inUseMs: HOUR });
    expect(held()).toEqual(keys(3, 4, 5));
  });

  it('a hit marks its entry used, so a miss of another run does not remove what it reads', () => {
    rmSync(cacheDir, { recursive: true, force: true });
    build(1, { keepNewest: 1, inUseMs: HOUR });
    usedAgo(keyOf(1), 2 * HOUR);
    const hit = build(1, { keepNewest: 1, inUseMs: HOUR });
    expect(hit).toMatchObject({ hit: true, key: keyOf(1) });
    build(2, { keepNewest: 1, inUseMs: HOUR }); // keeps one by count, but 1 was picked just now
    expect(held()).toEqual(keys(1, 2));
    expect(readFileSync(path.join(hit.replayed.root, 'w/out'), 'utf8')).toBe('1\n');
  });

  it("another run's build under way is left alone; one left by a run that died is removed", () => {
    rmSync(cacheDir, { recursive: true, force: true });
    mkdirSync(path.join(cacheDir, `${keyOf(7)}.building-4242-aa`), { recursive: true });
    mkdirSync(path.join(cacheDir, `${keyOf(8)}.partial-4343-bb`), { recursive: true });
    mkdirSync(path.join(cacheDir, `${keyOf(9)}.building`), { recursive: true });
    usedAgo(`${keyOf(8)}.partial-4343-bb`, 2 * HOUR);
    usedAgo(`${keyOf(9)}.building`, 2 * HOUR);
    build(1, { keepNewest: 1, inUseMs: HOUR });
    expect(held()).toEqual([keyOf(1), `${keyOf(7)}.building-4242-aa`].sort());
    expect(existsSync(path.join(cacheDir, keyOf(1), 'w/out'))).toBe(true);
  });
});

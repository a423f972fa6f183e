import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dockerignore, parseDockerfile, replayStage, stageKey } from './dockerfile';

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
});

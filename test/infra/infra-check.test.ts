import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// The offline infra checks (scripts/infra-check.sh) as part of the suite: pycep parses every .bicep,
// checkov's Bicep and Dockerfile checks pass apart from the reasoned skip list, bicep build/lint when present.
const root = path.resolve(__dirname, '../..');
const venvPython = () => {
  const script = spawnSync('bash', ['-c', 'grep -m1 "^CHECKOV_VERSION=" scripts/infra-check.sh | cut -d= -f2 | cut -d" " -f1'], {
    cwd: root,
    encoding: 'utf8',
  });
  return path.join(root, '.tools', `infra-venv-checkov-${script.stdout.trim()}`, 'bin', 'python');
};

describe('infra offline checks', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'infra-check-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('scripts/infra-check.sh passes on infra/ and Dockerfile.worker', () => {
    const run = spawnSync('bash', ['scripts/infra-check.sh'], { cwd: root, encoding: 'utf8', timeout: 900_000 });
    const output = `${run.stdout}\n${run.stderr}`;
    expect(output).toContain('[infra-check] ok');
    expect(run.status, output).toBe(0);
    // Every Bicep file was parsed, and both checkov frameworks ran with no failure.
    expect(output).toMatch(/parsed infra\/main\.bicep/);
    expect(output).toMatch(/parsed infra\/worker\.bicep/);
    expect(output.match(/Failed checks: 0/g)).toHaveLength(2);
  }, 900_000);

  it('the parse step fails on a for-expression inside concat() (BCP138), naming the file', () => {
    const broken = path.join(scratch, 'broken.bicep');
    writeFileSync(
      broken,
      ['param env object', 'var list = concat(', '  [for item in items(env): { name: item.key }],', '  []', ')', ''].join('\n'),
    );
    const run = spawnSync(venvPython(), ['scripts/infra/parse-bicep.py', 'infra/main.bicep', broken], {
      cwd: root,
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`PARSE ERROR ${broken}`);
    expect(run.stdout).toContain('parsed infra/main.bicep');
  }, 300_000);
});

import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureDebianPackage } from '../lib/debian-package';

// The deploy hooks run where nobody watches them until Azure does (infra/hooks), and the scripts run on
// every laptop: each parses (bash -n) and passes ShellCheck (Debian's shellcheck, installed when missing).
const root = path.resolve(__dirname, '../..');
const SHELLCHECK = '/usr/bin/shellcheck';
const scripts = ['infra/hooks', 'scripts'].flatMap((dir) =>
  readdirSync(path.join(root, dir))
    .filter((f) => f.endsWith('.sh'))
    .map((f) => `${dir}/${f}`),
);

beforeAll(() => ensureDebianPackage('shellcheck', [SHELLCHECK]), 300_000);

describe('shell scripts', () => {
  it('finds the deploy hooks', () => {
    expect(scripts).toContain('infra/hooks/postdeploy.sh');
  });

  it.each(scripts)('%s parses (bash -n)', (script) => {
    const r = spawnSync('bash', ['-n', script], { cwd: root, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it.each(scripts)('%s passes ShellCheck', (script) => {
    // -x follows the files a script sources (load-env.sh), so their variables count as set.
    const r = spawnSync(SHELLCHECK, ['-x', '--format=gcc', script], { cwd: root, encoding: 'utf8' });
    expect(r.stdout).toBe('');
    expect(r.status).toBe(0);
  });
});

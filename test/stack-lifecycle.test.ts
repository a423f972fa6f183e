import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isPortOpen } from '../scripts/lib/ports';

const root = path.resolve(__dirname, '..');

function childrenByParent(): Map<number, number[]> {
  const map = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      map.set(ppid, [...(map.get(ppid) ?? []), Number(entry)]);
    } catch {
      /* exited meanwhile */
    }
  }
  return map;
}

function descendants(pid: number): number[] {
  const tree = childrenByParent();
  const out: number[] = [];
  const walk = (p: number) => {
    for (const c of tree.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function startStackProcess() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'reddyfit-lifecycle-'));
  const proc = spawn(process.execPath, ['--import', 'tsx', 'scripts/stack.ts'], {
    cwd: root,
    env: { ...process.env, REDDYFIT_STACK_DIR: path.join(dir, 'stack') },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // its own process group, like a terminal job
  });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    const t = setInterval(() => {
      if (out.includes('Local stack is up')) clearInterval(t), resolve();
      if (proc.exitCode !== null) clearInterval(t), reject(new Error(`stack exited early:\n${out}`));
    }, 200);
  });
  const env = readFileSync(path.join(dir, 'stack.env'), 'utf8');
  const ports = [...env.matchAll(/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
  return { proc, dir, ports, pids: descendants(proc.pid!) };
}

async function expectNothingLeft(pids: number[], ports: number[]) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && (pids.some(alive) || (await Promise.all(ports.map((p) => isPortOpen(p)))).some(Boolean))) {
    await new Promise((r) => setTimeout(r, 250));
  }
  expect(pids.filter(alive)).toEqual([]);
  const open = (await Promise.all(ports.map(async (p) => ((await isPortOpen(p)) ? p : 0)))).filter(Boolean);
  expect(open).toEqual([]);
}

describe('stack lifecycle', () => {
  it('Ctrl-C stops every service and frees every port', async () => {
    const { proc, dir, ports, pids } = await startStackProcess();
    expect(pids.length).toBeGreaterThanOrEqual(8); // four guards and the services under them
    expect(ports.length).toBeGreaterThanOrEqual(4);
    process.kill(-proc.pid!, 'SIGINT');
    await expectNothingLeft([proc.pid!, ...pids], ports);
    rmSync(dir, { recursive: true, force: true });
  });

  it('a SIGKILLed stack leaves no orphan process and no bound port', async () => {
    const { proc, dir, ports, pids } = await startStackProcess();
    process.kill(proc.pid!, 'SIGKILL'); // no handler runs: only the guards can clean up
    await expectNothingLeft(pids, ports);
    rmSync(dir, { recursive: true, force: true });
  });
});

import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** The worker as its own OS process (the way the container runs it), ready once it says so. */
export async function spawnWorkerProcess(env: Record<string, string>, args = ['--import', 'tsx', 'worker/main.ts']) {
  const proc: ChildProcess = spawn(process.execPath, args, {
    cwd: PROJECT_ROOT,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout!.on('data', (d) => (output += d));
  proc.stderr!.on('data', (d) => (output += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes('"worker started"')) clearInterval(timer), resolve();
      if (proc.exitCode !== null) clearInterval(timer), reject(new Error(`worker exited ${proc.exitCode}:\n${output}`));
    }, 100);
  });
  return {
    proc,
    output: () => output,
    exited: new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code))),
  };
}

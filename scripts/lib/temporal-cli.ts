import { spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import path from 'node:path';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';

export interface TemporalCli {
  path: string;
  source: 'TEMPORAL_CLI_PATH' | 'PATH' | 'tools folder' | 'built with go install';
}

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

/**
 * Finds the `temporal` CLI in this order: TEMPORAL_CLI_PATH, PATH, the ignored tools folder,
 * else builds it into the tools folder with `go install` (cached: only the first run pays).
 * Returns undefined when none works, so the caller can fall back to @temporalio/testing's download.
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
  if (executable(cached)) return { path: cached, source: 'tools folder' };

  const go = onPath('go');
  if (!go) return undefined;
  mkdirSync(binDir, { recursive: true });
  log(`building the temporal CLI ${TEMPORAL_CLI_VERSION} with Go into ${binDir} (first time only; takes a few minutes)`);
  await new Promise<void>((resolve, reject) => {
    const p = spawn(go, ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`], {
      env: { ...process.env, GOBIN: binDir },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`go install of the temporal CLI exited with ${code}`))));
  });
  if (!executable(cached)) throw new Error(`go install finished but ${cached} is missing`);
  return { path: cached, source: 'built with go install' };
}

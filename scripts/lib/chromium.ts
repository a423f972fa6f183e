import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

// The reviewer's browser for the console's end-to-end test: Debian's `chromium` package, driven by
// playwright-core through its executablePath (playwright never downloads a browser here).

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const executable = (p: string) => {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The Chromium binary, installed with apt-get when missing and this process may; else an error that says what to do. */
export function ensureChromium(log: (s: string) => void = () => {}): string {
  if (executable(CHROMIUM_PATH)) return CHROMIUM_PATH;
  const hint = `install it with "sudo apt-get install -y chromium" (Debian/Ubuntu), or set CHROMIUM_PATH to a Chromium binary`;
  if (CHROMIUM_PATH !== '/usr/bin/chromium') throw new Error(`CHROMIUM_PATH=${CHROMIUM_PATH} is not an executable file`);
  if (spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status !== 0)
    throw new Error(`Chromium is missing at /usr/bin/chromium and this system has no apt-get: ${hint}`);
  if (process.getuid?.() !== 0) throw new Error(`Chromium is missing at /usr/bin/chromium and installing it needs root: ${hint}`);
  log('installing Debian package chromium (apt-get install -y chromium; first time only)');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env });
  if (r.status !== 0) {
    // Stale package lists are the usual cause: refresh them once and try again.
    spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
    r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env });
  }
  if (r.status !== 0 || !executable(CHROMIUM_PATH)) throw new Error(`apt-get could not install chromium (exit ${r.status}): ${hint}`);
  return CHROMIUM_PATH;
}

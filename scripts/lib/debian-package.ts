import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

// The system tools tests drive (Chromium, poppler's pdftotext/pdftoppm) come from Debian packages; the
// project installs them itself where it may (root with apt-get), else says exactly what to run.

export const executable = (p: string) => {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** Makes sure every file in `binaries` is executable, installing Debian package `pkg` once when one is missing. */
export function ensureDebianPackage(pkg: string, binaries: string[], log: (s: string) => void = () => {}): void {
  if (binaries.every(executable)) return;
  const hint = `install it with "sudo apt-get install -y ${pkg}" (Debian/Ubuntu)`;
  if (spawnSync('sh', ['-c', 'command -v apt-get'], { stdio: 'ignore' }).status !== 0)
    throw new Error(`${binaries.join(', ')} missing and this system has no apt-get: ${hint}`);
  if (process.getuid?.() !== 0) throw new Error(`${binaries.join(', ')} missing and installing ${pkg} needs root: ${hint}`);
  log(`installing Debian package ${pkg} (apt-get install -y ${pkg}; first time only)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', pkg], { stdio: 'inherit', env });
  if (r.status !== 0) {
    // Stale package lists are the usual cause: refresh them once and try again.
    spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
    r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', pkg], { stdio: 'inherit', env });
  }
  if (r.status !== 0 || !binaries.every(executable)) throw new Error(`apt-get could not install ${pkg} (exit ${r.status}): ${hint}`);
}

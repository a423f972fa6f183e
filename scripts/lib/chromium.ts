import { ensureDebianPackage, executable } from './debian-package';

// The reviewer's browser for the console's end-to-end test: Debian's `chromium` package, driven by
// playwright-core through its executablePath (playwright never downloads a browser here).

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The Chromium binary, installed with apt-get when missing and this process may; else an error that says what to do. */
export function ensureChromium(log: (s: string) => void = () => {}): string {
  if (executable(CHROMIUM_PATH)) return CHROMIUM_PATH;
  if (CHROMIUM_PATH !== '/usr/bin/chromium') throw new Error(`CHROMIUM_PATH=${CHROMIUM_PATH} is not an executable file`);
  ensureDebianPackage('chromium', [CHROMIUM_PATH], log);
  return CHROMIUM_PATH;
}

import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

// Builds the reviewer's console (review-console/) with Vite into dist/review-console/, which the Functions
// app serves under /review/. Ignored output, never committed: `npm run build`, the demo and the console's
// test build it; a build newer than every source file is kept.

const root = path.resolve(__dirname, '../..');
export const REVIEW_CONSOLE_SRC = path.join(root, 'review-console');
export const REVIEW_CONSOLE_OUT = path.join(root, 'dist', 'review-console');
const STAMP = path.join(REVIEW_CONSOLE_OUT, '.built');
/** What the page is built from: its own folder and the API contracts it parses answers with. */
const SOURCES = [REVIEW_CONSOLE_SRC, path.join(root, 'common', 'contracts')];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function upToDate(): boolean {
  const stamp = statSync(STAMP, { throwIfNoEntry: false });
  return Boolean(stamp && Math.max(...SOURCES.map(newestMtime)) < stamp.mtimeMs);
}

export async function buildReviewConsole(opts: { force?: boolean; log?: (s: string) => void } = {}): Promise<string> {
  if (!opts.force && upToDate()) return REVIEW_CONSOLE_OUT;
  opts.log?.('building the review console (Vite) into dist/review-console');
  const { build } = await import('vite');
  await build({
    root: REVIEW_CONSOLE_SRC,
    base: '/review/',
    configFile: false,
    logLevel: 'warn',
    build: {
      outDir: REVIEW_CONSOLE_OUT,
      emptyOutDir: true,
      // Files only: the page's CSP allows no inline script, style or data: URL.
      assetsInlineLimit: 0,
      modulePreload: { polyfill: false },
      sourcemap: false,
      target: 'es2022',
    },
  });
  mkdirSync(REVIEW_CONSOLE_OUT, { recursive: true });
  writeFileSync(STAMP, new Date().toISOString());
  return REVIEW_CONSOLE_OUT;
}

import { buildReviewConsole } from './lib/review-console';

// The reviewer's console into dist/review-console: `npm run build` rebuilds it (dist/ was just emptied);
// `--if-stale` (npm run functions) keeps a build newer than its sources.
buildReviewConsole({ force: !process.argv.includes('--if-stale'), log: (s) => process.stdout.write(`${s}\n`) }).catch((err: unknown) => {
  process.stderr.write(`review console build failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

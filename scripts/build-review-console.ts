import { buildReviewConsole } from './lib/review-console';

// `npm run build` step: the reviewer's console, always rebuilt (dist/ was just emptied).
buildReviewConsole({ force: true, log: (s) => process.stdout.write(`${s}\n`) }).catch((err: unknown) => {
  process.stderr.write(`review console build failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

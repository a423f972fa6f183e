// `npm run replay -- --dir <folder>` or `npm run replay -- --blob --from <ISO> --to <ISO> [--task-queue <q>]`:
// replays recorded or archived histories against the current workflow code; exits 1 on any
// non-determinism (or any history that does not replay) and names it.
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createBlobService } from '../common/clients/blob';
import { loadConfigOrExit } from '../common/config';
import { historiesFromArchive, historiesFromDir, replayAll } from '../worker/replay';
import { WINDOW_OPTIONS, args, fail, windowFromArgs } from './lib/archive-cli';
import { LOCAL_PAYLOAD_KEY } from '../common/temporal/local-dev-key';

async function main() {
  const values = args({ ...WINDOW_OPTIONS, dir: { type: 'string' }, blob: { type: 'boolean' } });
  Runtime.install({ logger: new DefaultLogger('WARN') });
  let source;
  if (values.dir && !values.blob) {
    source = historiesFromDir(values.dir);
  } else if (values.blob && !values.dir) {
    const config = loadConfigOrExit();
    source = historiesFromArchive(createBlobService(config).getContainerClient(config.WORKFLOW_ARCHIVES_CONTAINER), windowFromArgs(values));
  } else {
    fail('usage: replay --dir <folder> | replay --blob --from <ISO> --to <ISO> [--task-queue <q>]');
  }
  // Histories recorded on a local stack use its published dev key; real archives need the real keys.
  const keys = process.env.PAYLOAD_ENCRYPTION_KEY
    ? { PAYLOAD_ENCRYPTION_KEY: process.env.PAYLOAD_ENCRYPTION_KEY, PAYLOAD_DECRYPTION_KEYS: process.env.PAYLOAD_DECRYPTION_KEYS }
    : { PAYLOAD_ENCRYPTION_KEY: LOCAL_PAYLOAD_KEY };
  const report = await replayAll(source, keys, undefined, (name, error) =>
    console.log(`${error ? 'FAIL' : 'ok  '} ${name}${error ? `: ${error}` : ''}`),
  );
  console.log(
    JSON.stringify({
      msg: report.failures.length ? 'replay FAILED' : 'replay passed',
      replayed: report.replayed,
      failures: report.failures.length,
    }),
  );
  if (report.failures.length || report.replayed === 0) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

// `npm run replay -- --dir <folder>` or
// `npm run replay -- --blob --operator <id> --from <ISO> --to <ISO> [--task-queue <q>]`:
// replays recorded or archived histories against the current workflow code; exits 1 on any
// non-determinism (or any history that does not replay) and names it. Opening an archived scan history
// decrypts a member's data, so each one opened is audited under the operator named.
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { archiveKeysFromPayloadKeys, openArchivedScanHistory } from '../common/archive/member-keys';
import { createDataBlobService } from '../common/clients/blob';
import { createFirebase } from '../common/clients/firebase';
import { loadConfigOrExit } from '../common/config';
import { LOCAL_PAYLOAD_KEY } from '../common/temporal/local-dev-key';
import { historiesFromArchive, historiesFromDir, replayAll } from '../worker/replay';
import { args, fail, WINDOW_OPTIONS, windowFromArgs } from './lib/archive-cli';

async function main() {
  const values = args({ ...WINDOW_OPTIONS, dir: { type: 'string' }, blob: { type: 'boolean' }, operator: { type: 'string' } });
  Runtime.install({ logger: new DefaultLogger('WARN') });
  let source;
  let firebase: ReturnType<typeof createFirebase> | undefined;
  if (values.dir && !values.blob) {
    source = historiesFromDir(values.dir);
  } else if (values.blob && !values.dir) {
    // Who opens members' histories, for their audit records (the payload key's reader in Key Vault is the proof).
    if (!values.operator || !/^[A-Za-z0-9_-]{1,64}$/.test(values.operator))
      fail("replay --blob decrypts members' archived histories: name yourself with --operator <id> (letters, digits, _ or -)");
    const actor = `operator:${values.operator}`;
    const config = loadConfigOrExit();
    // Scan histories are sealed with their member's key (docs/api.md "Right to erasure"): opened with it here;
    // an erased member's are skipped, since nothing can open them any more.
    firebase = createFirebase(config);
    const db = firebase.db;
    const archiveKeys = archiveKeysFromPayloadKeys(
      [config.PAYLOAD_ENCRYPTION_KEY, ...(config.PAYLOAD_DECRYPTION_KEYS ?? '').split(',').filter(Boolean)].map((k) =>
        Buffer.from(k, 'base64'),
      ),
    );
    source = historiesFromArchive(
      createDataBlobService(config).getContainerClient(config.WORKFLOW_ARCHIVES_CONTAINER),
      windowFromArgs(values),
      async (entry, history) => {
        const opened = await openArchivedScanHistory(db, archiveKeys, entry.workflowId, history, { actor, now: () => new Date() });
        if (opened === undefined) console.log(`skip ${entry.blob}: its member's key was destroyed (erased)`);
        return opened;
      },
    );
  } else {
    fail('usage: replay --dir <folder> | replay --blob --operator <id> --from <ISO> --to <ISO> [--task-queue <q>]');
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
  await firebase?.close();
  if (report.failures.length || report.replayed === 0) process.exitCode = 1;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

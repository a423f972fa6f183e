// `npm run stack`: starts the local stand-ins for Temporal Cloud, Blob, Firestore and Firebase Auth on free
// ports, writes their settings to .data/stack.env (read by `npm run worker` and the functions host),
// prints the URLs and runs until Ctrl-C. Every child goes with it, however this process ends.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT, stackEntries, startLocalStack, toEnvFile } from './lib/local-stack';
import { TLS_SERVER_NAME } from './lib/tls-certs';

async function main() {
  const dataDir = process.env.REDDYFIT_STACK_DIR ?? path.join(PROJECT_ROOT, '.data', 'stack');
  mkdirSync(dataDir, { recursive: true });
  const envFile = path.join(path.dirname(dataDir), 'stack.env');
  // --mtls: also the mTLS peer (nginx demanding a client certificate) in front of Temporal.
  const mtls = process.argv.includes('--mtls');
  // --fcm: push through FCM (PUSH_TRANSPORT=fcm) to the FCM stand-in rather than the signed webhook.
  const fcm = process.argv.includes('--fcm');
  const stack = await startLocalStack({ dataDir, persistent: true, mtls, fcm, log: (l) => console.log(`[stack] ${l}`) });
  writeFileSync(envFile, toEnvFile(stackEntries(stack, dataDir)));
  console.log(`
Local stack is up (Temporal from ${stack.temporalCliSource})
  Temporal gRPC     ${stack.urls.temporal}   namespace ${stack.env.TEMPORAL_NAMESPACE}
  Temporal Web UI   ${stack.urls.temporalUi}
${stack.mtls ? `  Temporal mTLS     ${stack.mtls.address}   server name ${TLS_SERVER_NAME}, certificates in ${path.relative(PROJECT_ROOT, stack.mtls.certs.dir)}\n` : ''}  Blob (Azurite)    ${stack.urls.blob}
  Firestore         ${stack.urls.firestore}
  Firebase Auth     ${stack.urls.auth}
  Push receiver     ${stack.urls.pushList}
${stack.urls.fcmList ? `  FCM stand-in      ${stack.urls.fcmList}   (PUSH_TRANSPORT=fcm; npm run worker reaches it through NODE_OPTIONS in the settings)\n` : ''}Settings written to ${path.relative(PROJECT_ROOT, envFile)}. Ctrl-C stops everything.`);

  let stopping = false;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    console.log('[stack] stopping');
    await stack.stop();
    rmSync(envFile, { force: true });
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((err) => {
  console.error(`[stack] ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});

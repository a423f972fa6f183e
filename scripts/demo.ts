// `npm run demo`: one full scan, end to end, on the embedded local stack. It starts the stack (or reuses
// the one named by REDDYFIT_STACK_ENV), a worker, creates a member in the Auth emulator, grants consent,
// gives a credit, uploads four generated sample photos, runs the scan with a progress display, and prints
// the results and the Temporal Web UI link of the run. `--keep` leaves the stack running afterwards.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Runtime, DefaultLogger } from '@temporalio/worker';
import { createBlobService } from '../common/clients/blob';
import { createFirebase } from '../common/clients/firebase';
import { createTemporalClient } from '../common/clients/temporal';
import { loadConfig } from '../common/config';
import { ANGLES, workflowIdForScan } from '../common/contracts/scan';
import type { ScanDocument } from '../common/contracts/scan-document';
import { progressQuery } from '../common/contracts/workflow-messages';
import { consentRef, createScanWithCredit, scanRef, userRef } from '../common/scans/repository';
import { startDailyScan } from '../common/scans/start-scan';
import { NativeConnection } from '@temporalio/worker';
import { activityDepsFromConfig, createScanActivities, createScanWorker } from '../worker/create-worker';
import { startLocalStack } from './lib/local-stack';
import { progressPrinter } from './lib/progress-bar';
import { makeSampleScanPhotos } from './lib/sample-photos';

const keep = process.argv.includes('--keep');
const say = (s: string) => console.log(s);

function parseEnvFile(file: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('=') && !l.startsWith('#')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  let stopStack = async () => {};
  let env: Record<string, string>;
  let pushList: string | undefined;
  if (process.env.REDDYFIT_STACK_ENV) {
    env = parseEnvFile(process.env.REDDYFIT_STACK_ENV);
    say(`Using the running stack from ${process.env.REDDYFIT_STACK_ENV}`);
  } else {
    say('Starting the local stack (Temporal dev server, Azurite, Firestore and Auth emulators)…');
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'reddyfit-demo-'));
    const stack = await startLocalStack({ dataDir, persistent: false, log: (l) => say(`  ${l}`) });
    env = stack.env;
    pushList = stack.urls.pushList;
    stopStack = async () => {
      await stack.stop();
      rmSync(dataDir, { recursive: true, force: true });
    };
    say(`  Temporal from ${stack.temporalCliSource}`);
  }
  const config = loadConfig({ ...env, LOG_LEVEL: 'warn' });
  const firebase = createFirebase(config);
  const blob = createBlobService(config);
  const client = await createTemporalClient(config);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  say('Starting the scan worker…');
  const worker = await createScanWorker({ config, connection, activities: createScanActivities(activityDepsFromConfig(config, firebase, blob)) });
  const running = worker.run();

  try {
    const uid = `demo-member-${Date.now().toString(36)}`;
    const user = await firebase.auth.createUser({ uid, email: `${uid}@example.test`, displayName: 'Demo Member' });
    say(`Member ${user.uid} created in the Auth emulator`);
    await userRef(firebase.db, uid).set({ scanCredits: 1, pushTokens: [], profile: { sex: 'female', birthYear: 1990, heightCm: 168 } });
    await consentRef(firebase.db, uid, 'scan_analysis').set({ type: 'scan_analysis', status: 'granted', version: '2026-01', updatedAt: new Date().toISOString() });
    say('Consent scan_analysis granted, 1 scan credit given');

    const scanId = `demo_${Date.now().toString(36)}`;
    const scan = await createScanWithCredit(firebase.db, {
      scanId, userId: uid, now: new Date(),
      measurements: {
        weightKg: 68, heightCm: 168, birthYear: 1990, sex: 'female', capturedAt: new Date().toISOString(),
        activityLevel: 'moderate', goal: 'lose_fat', trainingLevel: 'intermediate', exerciseMinutesPerDay: 40,
      },
    });
    say(`Scan ${scanId} created (credit reserved); uploading four generated sample photos…`);
    const photos = await makeSampleScanPhotos('good');
    const container = blob.getContainerClient(config.SCAN_UPLOADS_CONTAINER);
    await Promise.all(ANGLES.map((a) => container.getBlockBlobClient(scan.photos[a]!).uploadData(photos[a], { blobHTTPHeaders: { blobContentType: 'image/jpeg' } })));

    const { runId } = await startDailyScan(client, config, scan);
    const handle = client.workflow.getHandle(workflowIdForScan(scanId));
    say(`Workflow ${workflowIdForScan(scanId)} started; progress:`);
    const bar = progressPrinter();
    const resultPromise = handle.result();
    let finished = false;
    resultPromise.finally(() => (finished = true)).catch(() => undefined);
    while (!finished) {
      const p = await handle.query(progressQuery).catch(() => undefined);
      if (p) bar.update(p.percent, `${p.status} · ${p.step}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const result = await resultPromise;
    bar.update(100, result.status);
    bar.done();

    const doc = (await scanRef(firebase.db, scanId).get()).data() as ScanDocument;
    const r = doc.results as Record<string, any>;
    say('');
    say(`Scan ${scanId}: ${doc.status}`);
    if (r) {
      say(`  Body fat          ${r.estimate.bodyFatPercent}%  (fat ${r.estimate.fatMassKg} kg, lean ${r.estimate.leanMassKg} kg; confidence ${r.estimate.confidence}; ${r.estimate.method})`);
      say(`  Trend             ${r.deltas.previous ? `${r.deltas.previous.bodyFatPercent} pp since last scan` : 'first scan: no earlier scan to compare'}`);
      say(`  Nutrition         ${r.nutrition.targetKcal} kcal/day (maintenance ${r.nutrition.maintenanceKcal}); protein ${r.nutrition.proteinG} g, fat ${r.nutrition.fatG} g, carbs ${r.nutrition.carbsG} g`);
      say(`  Hydration         ${r.hydration.totalMl} ml/day (${r.hydration.fromDrinksMl} ml from drinks)`);
      say(`  Workout           ${r.workout.daysPerWeek} days/week, ${r.workout.weeklyAerobicMinutes} min aerobic, ${r.workout.strengthDays} strength days`);
      for (const f of r.insights.findings) say(`  Insight           ${f.message}`);
    } else if (doc.error) {
      say(`  ${doc.error.message}`);
    }
    if (pushList) {
      const pushes = ((await (await fetch(pushList)).json()) as Array<{ body: { title: string; data: { scanId: string } } }>).filter((p) => p.body.data.scanId === scanId);
      say(`  Push received     ${pushes.map((p) => `"${p.body.title}"`).join(', ') || 'none'}`);
    }
    say(`  Temporal Web UI   ${config.TEMPORAL_UI_URL}/namespaces/${config.TEMPORAL_NAMESPACE}/workflows/${workflowIdForScan(scanId)}/${runId}/history`);
    if (doc.status !== 'completed') process.exitCode = 1;
  } finally {
    worker.shutdown();
    await running;
    await connection.close();
    await client.connection.close();
    await firebase.close();
    if (keep) {
      say('\n--keep: the stack stays up until Ctrl-C.');
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
    await stopStack();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});

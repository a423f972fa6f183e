// `npm run demo`: one full scan, end to end, on the embedded local stack, through the HTTP API as the app
// would use it. It starts the stack (or reuses the one named by REDDYFIT_STACK_ENV), the worker and the
// Functions local host; signs a member in with the Auth emulator, grants consent, gives a credit, asks for
// upload URLs, uploads four generated sample photos through the SAS URLs (the upload trigger starts the
// workflow), follows the status endpoint with a progress display, and prints the results and the
// Temporal Web UI link of the run. `--keep` leaves everything running afterwards.
import { Runtime, DefaultLogger } from '@temporalio/worker';
import { createBlobService } from '../common/clients/blob';
import { createFirebase } from '../common/clients/firebase';
import { createTemporalClient } from '../common/clients/temporal';
import { loadConfig } from '../common/config';
import type { CreateScanResponse } from '../common/contracts/api';
import { workflowIdForScan } from '../common/contracts/scan';
import { userRef } from '../common/scans/repository';
import { startLocalHost } from '../functions/local-host';
import { activityDepsFromConfig, createScanWorker, createWorkerActivities } from '../worker/create-worker';
import { connectWorkerToTemporal } from '../worker/temporal-connection';
import { idTokenFor } from './lib/auth-emulator';
import { mtlsClientSettings, useOrStartStack } from './lib/local-stack';
import { progressPrinter } from './lib/progress-bar';
import { makeSampleScanPhotos } from './lib/sample-photos';

const keep = process.argv.includes('--keep');
/** Reach Temporal through the mTLS peer with a client certificate, as against Temporal Cloud. */
const mtls = process.argv.includes('--mtls');
const say = (s: string) => console.log(s);

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  say('Starting the local stack (Temporal dev server, Azurite, Firestore and Auth emulators)…');
  const stack = await useOrStartStack('demo', (l) => say(`  ${l}`), { mtls });
  const env = mtls ? { ...stack.env, ...mtlsClientSettings(stack.env) } : stack.env;
  if (mtls) say(`Temporal over mTLS through ${env.TEMPORAL_ADDRESS} (client certificate from the test CA)`);
  const pushList = env.PUSH_RECEIVER_LIST_URL;
  const config = loadConfig({ ...env, LOG_LEVEL: 'warn' });
  const firebase = createFirebase(config);
  const blob = createBlobService(config);
  const client = await createTemporalClient(config);
  const connection = await connectWorkerToTemporal(config);
  say('Starting the scan worker…');
  const worker = await createScanWorker({
    config,
    connection,
    activities: createWorkerActivities(activityDepsFromConfig(config, firebase, blob)),
  });
  const running = worker.run();

  const host = await startLocalHost({
    config,
    port: 0,
    log: (level, m) => (level === 'error' || level === 'critical') && say(`  [functions] ${m}`),
  });
  say(`Functions local host on ${host.url}`);
  const call = async (method: string, route: string, token: string, body?: unknown) => {
    const res = await fetch(`${host.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = (await res.json().catch(() => undefined)) as any;
    if (res.status >= 400) throw new Error(`${method} ${route} answered ${res.status}: ${json?.code ?? ''} ${json?.detail ?? ''}`);
    return { status: res.status, json, headers: res.headers };
  };

  try {
    const uid = `demo-member-${Date.now().toString(36)}`;
    const token = await idTokenFor(firebase.auth, config, uid);
    say(`Member ${uid} signed in with the Auth emulator (real ID token)`);
    await call('PUT', '/api/consents/scan_analysis', token, { status: 'granted', version: '2026-01' });
    say('PUT /api/consents/scan_analysis: consent granted');
    // Credits are bought in the app (not part of this backend): give one directly.
    await userRef(firebase.db, uid).set({ scanCredits: 1, pushTokens: [] }, { merge: true });
    say('1 scan credit given');

    const created = await call('POST', '/api/scans', token, {
      weightKg: 68,
      heightCm: 168,
      birthYear: 1990,
      sex: 'female',
      capturedAt: new Date().toISOString(),
      activityLevel: 'moderate',
      goal: 'lose_fat',
      trainingLevel: 'intermediate',
      exerciseMinutesPerDay: 40,
    });
    const scan = created.json as CreateScanResponse;
    say(`POST /api/scans: ${created.status}, scan ${scan.scanId}, ${scan.uploads.length} SAS upload URLs`);
    const photos = await makeSampleScanPhotos('good');
    await Promise.all(
      scan.uploads.map(async (u) => {
        const res = await fetch(u.url, { method: u.method, headers: u.headers, body: photos[u.angle] });
        if (!res.ok) throw new Error(`upload of ${u.angle} answered ${res.status}`);
      }),
    );
    say('Four generated sample photos uploaded straight to Blob through the SAS URLs; the upload trigger starts the scan');

    const bar = progressPrinter();
    let final: { status: number; json: any };
    for (;;) {
      const res = await fetch(`${host.url}/api/scans/${scan.scanId}`, { headers: { authorization: `Bearer ${token}` } });
      const json = (await res.json()) as any;
      if (res.status === 202) {
        bar.update(json.progress?.percent ?? 0, `${json.status} · ${json.progress?.step ?? 'waiting for upload trigger'}`);
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      final = { status: res.status, json };
      break;
    }
    bar.update(100, final.json.status ?? final.json.code);
    bar.done();

    say('');
    say(`GET /api/scans/${scan.scanId}: ${final.status} ${final.json.status ?? final.json.code}`);
    const r = final.json.results;
    if (r) {
      say(
        `  Body fat          ${r.estimate.bodyFatPercent}%  (fat ${r.estimate.fatMassKg} kg, lean ${r.estimate.leanMassKg} kg; confidence ${r.estimate.confidence}; ${r.estimate.method})`,
      );
      say(
        `  Trend             ${r.deltas.previous ? `${r.deltas.previous.bodyFatPercent} pp since last scan` : 'first scan: no earlier scan to compare'}`,
      );
      say(
        `  Nutrition         ${r.nutrition.targetKcal} kcal/day (maintenance ${r.nutrition.maintenanceKcal}); protein ${r.nutrition.proteinG} g, fat ${r.nutrition.fatG} g, carbs ${r.nutrition.carbsG} g`,
      );
      say(`  Hydration         ${r.hydration.totalMl} ml/day (${r.hydration.fromDrinksMl} ml from drinks)`);
      say(
        `  Workout           ${r.workout.daysPerWeek} days/week, ${r.workout.weeklyAerobicMinutes} min aerobic, ${r.workout.strengthDays} strength days`,
      );
      for (const f of r.insights.findings) say(`  Insight           ${f.message}`);
    } else {
      say(`  ${final.json.detail ?? JSON.stringify(final.json)}`);
    }
    if (pushList) {
      // The push is sent by the step after the one that writes the final status: give it a moment.
      let pushes: Array<{ body: { title: string; data: { scanId: string } } }> = [];
      for (const end = Date.now() + 15_000; pushes.length === 0 && Date.now() < end; await new Promise((r) => setTimeout(r, 250))) {
        pushes = ((await (await fetch(pushList)).json()) as typeof pushes).filter((p) => p.body.data.scanId === scan.scanId);
      }
      say(`  Push received     ${pushes.map((p) => `"${p.body.title}"`).join(', ') || 'none'}`);
    }
    const run = await client.workflow
      .getHandle(workflowIdForScan(scan.scanId))
      .describe()
      .catch(() => undefined);
    if (run)
      say(
        `  Temporal Web UI   ${config.TEMPORAL_UI_URL}/namespaces/${config.TEMPORAL_NAMESPACE}/workflows/${run.workflowId}/${run.runId}/history`,
      );
    if (final.status !== 200) process.exitCode = 1;
  } finally {
    await host.close();
    worker.shutdown();
    await running;
    await connection.close();
    await client.connection.close();
    await firebase.close();
    if (keep) {
      say('\n--keep: the stack stays up until Ctrl-C.');
      await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    }
    await stack.stop();
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack : err);
  process.exit(1);
});

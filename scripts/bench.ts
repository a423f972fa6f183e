// `npm run bench`: measurements, never timed tests. Runs on a throw-away local stack (or the one named by
// REDDYFIT_STACK_ENV) with the production workflow and activities.
//
// 1. Pipeline schedule: each agent gets a latency like the original design's model calls (scaled down),
//    and the wall time of our dependency-driven schedule is compared with the sum of the same agents'
//    durations, which is what running them strictly one after another costs.
// 2. Deterministic pipeline: scans per second and latency percentiles with no model configured.
// 3. Image tokens per scan for our image preparation next to the raw photos (printed first; no stack needed).
// 4. Archive: histories archived per second and peak memory for 1,000 and 5,000 histories (scripts/lib/archive-bench.ts).
import os from 'node:os';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { createBlobService } from '../common/clients/blob';
import { createFirebase } from '../common/clients/firebase';
import { createTemporalClient } from '../common/clients/temporal';
import { loadConfig, type Config } from '../common/config';
import { ANGLES } from '../common/contracts/scan';
import { consentRef, createScanWithCredit, scanRef, userRef } from '../common/scans/repository';
import { sealContainers, sealUploads } from '../common/scans/sealed-photos';
import { startDailyScan } from '../common/scans/start-scan';
import type { WorkerActivities } from '../worker/activities';
import { activityDepsFromConfig, createScanWorker, createWorkerActivities } from '../worker/create-worker';
import { useOrStartStack } from './lib/local-stack';
import { makeSampleScanPhotos } from './lib/sample-photos';
import { runArchiveBench } from './lib/archive-bench';
import { printImageTokenReport } from './lib/image-token-bench';

// Seconds per agent with a model in the loop, as in the original sequential design (about 6 minutes).
const MODEL_LATENCY_S: Partial<Record<keyof WorkerActivities, number>> = {
  checkPhotoQuality: 45,
  estimateBodyComposition: 90,
  computeDeltas: 5,
  generateInsights: 60,
  planNutrition: 60,
  planWorkout: 60,
  planHydration: 30,
};
const SCALE = 1 / 100; // 1 s of modelled latency = 10 ms here

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function withLatency(a: WorkerActivities): WorkerActivities {
  const wrapped = { ...a } as Record<string, (...args: unknown[]) => Promise<unknown>>;
  for (const [name, seconds] of Object.entries(MODEL_LATENCY_S)) {
    const real = wrapped[name]!;
    wrapped[name] = async (...args) => {
      await sleep(seconds! * 1000 * SCALE);
      return real(...args);
    };
  }
  return wrapped as unknown as WorkerActivities;
}

async function runScans(
  client: Client,
  config: Config,
  firebase: ReturnType<typeof createFirebase>,
  blob: ReturnType<typeof createBlobService>,
  taskQueue: string,
  count: number,
  concurrency: number,
) {
  const photos = await makeSampleScanPhotos('good');
  const container = blob.getContainerClient(config.SCAN_UPLOADS_CONTAINER);
  const latencies: number[] = [];
  const workflowIds: string[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const uid = `bench_${Date.now().toString(36)}_${i}`;
        await userRef(firebase.db, uid).set({ scanCredits: 1 });
        await consentRef(firebase.db, uid, 'scan_analysis').set({
          type: 'scan_analysis',
          status: 'granted',
          version: 'bench',
          updatedAt: new Date().toISOString(),
        });
        const scan = await createScanWithCredit(firebase.db, {
          scanId: `bench_${Date.now().toString(36)}_${i}`,
          userId: uid,
          now: new Date(),
          measurements: {
            weightKg: 80,
            heightCm: 178,
            age: 40,
            sex: 'male',
            capturedAt: new Date().toISOString(),
            activityLevel: 'moderate',
            goal: 'maintain',
            trainingLevel: 'beginner',
            exerciseMinutesPerDay: 30,
          },
        });
        const uploaded = await Promise.all(ANGLES.map((a) => container.getBlockBlobClient(scan.photos[a]!).uploadData(photos[a])));
        // Submitted as the upload trigger does it: sealed copies recorded before the workflow starts.
        const etags = Object.fromEntries(ANGLES.map((a, j) => [a, uploaded[j]!.etag!]));
        await scanRef(firebase.db, scan.scanId).update({
          sealedPhotos: await sealUploads(blob, sealContainers(config), scan.photos, etags),
        });
        const t0 = performance.now();
        const { workflowId } = await startDailyScan(client, config, scan, taskQueue);
        workflowIds.push(workflowId);
        await client.workflow.getHandle(workflowId).result();
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return { latencies: latencies.sort((a, b) => a - b), wallMs: performance.now() - started, workflowIds };
}

/** Sum of each agent's scheduled→completed time in the history: the cost of running them one by one. */
async function agentDurations(client: Client, workflowId: string) {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const scheduled = new Map<string, { name: string; at: number }>();
  let sum = 0;
  let first = Infinity;
  let last = 0;
  for (const e of history.events ?? []) {
    const t = Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
    if (e.activityTaskScheduledEventAttributes)
      scheduled.set(String(e.eventId), { name: e.activityTaskScheduledEventAttributes.activityType?.name ?? '', at: t });
    if (e.activityTaskCompletedEventAttributes) {
      const s = scheduled.get(String(e.activityTaskCompletedEventAttributes.scheduledEventId));
      if (s && s.name in MODEL_LATENCY_S) {
        sum += t - s.at;
        first = Math.min(first, s.at);
        last = Math.max(last, t);
      }
    }
  }
  return { sequentialMs: sum, dagMs: last - first };
}

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  // 3. Image tokens per scan: our image preparation versus the raw photos (pure computation, no stack).
  await printImageTokenReport();
  console.log('');
  const { env, stop } = await useOrStartStack('bench');
  const config = loadConfig({ ...env, LOG_LEVEL: 'warn' });
  const firebase = createFirebase(config);
  const blob = createBlobService(config);
  const client = await createTemporalClient(config);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  const base = createWorkerActivities(activityDepsFromConfig(config, firebase, blob));

  try {
    console.log(`Pipeline schedule (agent latencies of a model-backed run scaled by ${SCALE}; 5 scans, one at a time)`);
    const slowQueue = `bench-slow-${Date.now().toString(36)}`;
    const slow = await createScanWorker({ config, connection, activities: withLatency(base), taskQueue: slowQueue });
    const slowRun = slow.run();
    const { workflowIds: ids } = await runScans(client, config, firebase, blob, slowQueue, 5, 1);
    slow.shutdown();
    await slowRun;
    const d = await Promise.all(ids.map((id) => agentDurations(client, id)));
    const seq = d.reduce((s, x) => s + x.sequentialMs, 0) / d.length;
    const dag = d.reduce((s, x) => s + x.dagMs, 0) / d.length;
    const modelled = Object.values(MODEL_LATENCY_S).reduce((a, b) => a + b!, 0);
    console.log(
      `  agents one after another (sum of agent durations)   ${seq.toFixed(0)} ms   (≈ ${(seq / SCALE / 1000 / 60).toFixed(1)} min unscaled; modelled ${(modelled / 60).toFixed(1)} min)`,
    );
    console.log(
      `  our schedule (first agent scheduled → last done)    ${dag.toFixed(0)} ms   (≈ ${(dag / SCALE / 1000 / 60).toFixed(1)} min unscaled)`,
    );
    console.log(`  saving                                               ${(100 * (1 - dag / seq)).toFixed(0)}%`);

    console.log('\nDeterministic pipeline (no model configured), 20 scans, 4 at a time');
    const fastQueue = `bench-fast-${Date.now().toString(36)}`;
    const fast = await createScanWorker({ config, connection, activities: base, taskQueue: fastQueue });
    const fastRun = fast.run();
    const { latencies, wallMs } = await runScans(client, config, firebase, blob, fastQueue, 20, 4);
    fast.shutdown();
    await fastRun;
    console.log(
      `  start → result   p50 ${pct(latencies, 50).toFixed(0)} ms   p95 ${pct(latencies, 95).toFixed(0)} ms   max ${latencies.at(-1)!.toFixed(0)} ms`,
    );
    console.log(
      `  throughput       ${(latencies.length / (wallMs / 1000)).toFixed(2)} scans/s on ${os.cpus().length} cores (stack, worker and load on one machine)`,
    );

    // 4. Nightly archive: histories per second and peak memory for 1,000 and 5,000 closed executions.
    console.log('');
    await runArchiveBench({ config, connection, client, blob });
  } finally {
    await connection.close();
    await client.connection.close();
    await firebase.close();
    await stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

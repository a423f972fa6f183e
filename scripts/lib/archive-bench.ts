// The archive section of `npm run bench`: histories archived per second and peak memory for 1,000 and
// 5,000 closed executions, to show memory does not grow with the count. Also runs on its own:
// `node --import tsx scripts/lib/archive-bench.ts [count…]` (a throw-away stack, or REDDYFIT_STACK_ENV).
import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { BlobServiceClient } from '@azure/storage-blob';
import type { Client } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { closedInWindowQuery } from '../../common/archive/layout';
import { startArchive } from '../../common/archive/start-archive';
import { createBlobService } from '../../common/clients/blob';
import { createFirebase } from '../../common/clients/firebase';
import { createTemporalClient } from '../../common/clients/temporal';
import { type Config, loadConfig } from '../../common/config';
import type { ArchiveWorkflowResult } from '../../common/contracts/archive';
import { payloadDataConverter } from '../../common/temporal/payload-encryption';
import { createArchiveActivities } from '../../worker/activities/archive';
import { activityDepsFromConfig, workflowsFromSource } from '../../worker/create-worker';
import { becomeCurrentVersion, workerDeploymentOptions } from '../../worker/versioning';
import { useOrStartStack } from './local-stack';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const MB = 1024 * 1024;

/**
 * `count` closed executions, quickly: started with an encoded payload on a queue no worker polls, signalled
 * once with another, then terminated (bounded concurrency). Their histories are what the archive reads.
 */
async function createClosedExecutions(client: Client, taskQueue: string, count: number) {
  // Random bytes, base64'd: as incompressible as encrypted payloads.
  const payload = randomBytes(1536).toString('base64');
  let next = 0;
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      while (next < count) {
        const i = next++;
        const handle = await client.workflow.start('benchHistoryWorkflow', { taskQueue, workflowId: `${taskQueue}-${i}`, args: [payload] });
        await handle.signal('benchSignal', payload);
        await handle.terminate('archive bench');
      }
    }),
  );
}

async function waitForClosed(client: Client, query: string, count: number) {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
    if ((await client.workflow.count(query)).count >= count) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`visibility did not list ${count} closed executions`);
}

export async function runArchiveBench(opts: {
  config: Config;
  connection: NativeConnection;
  client: Client;
  blob: BlobServiceClient;
  counts?: number[];
}) {
  const { config, connection, client, blob } = opts;
  const counts = opts.counts ?? [1000, 5000];
  const stamp = Date.now().toString(36);
  const historyQueue = (n: number) => `bench-hist-${n}-${stamp}`;
  const archiveQueue = `bench-archive-${stamp}`;
  // The worker's own deps (the archive also exports the audit trail from Firestore).
  const deps = activityDepsFromConfig(config, createFirebase(config), { uploads: blob, data: blob }, client);
  // Versioned as production's worker is: the archive workflow declares its own versioning behaviour,
  // which an unversioned worker cannot run.
  if (config.WORKER_BECOME_CURRENT) await becomeCurrentVersion(connection, config, archiveQueue);
  const archiver = await Worker.create({
    connection,
    workerDeploymentOptions: workerDeploymentOptions(config, archiveQueue),
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: archiveQueue,
    ...workflowsFromSource(),
    activities: createArchiveActivities(deps),
    dataConverter: payloadDataConverter(config),
    maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
  });
  const archiverRun = archiver.run();
  const cfg = { ...config, TEMPORAL_TASK_QUEUE: archiveQueue };

  const figures: Array<{ histories: number; historiesPerSecond: number; seconds: number; peakRssMiB: number; rssGrowthMiB: number }> = [];
  console.log(
    `Archive of closed workflow histories (page ${config.ARCHIVE_PAGE_SIZE}, ${config.ARCHIVE_CONCURRENCY} at a time; histories of 4 events with two ~2 KiB encoded payloads)`,
  );
  try {
    for (const count of counts) {
      const taskQueue = historyQueue(count);
      const from = new Date(Date.now() - 1000).toISOString();
      const t0 = performance.now();
      await createClosedExecutions(client, taskQueue, count);
      const window = { from, to: new Date(Date.now() + 1000).toISOString(), taskQueue };
      await waitForClosed(client, closedInWindowQuery(window), count);
      const createdS = (performance.now() - t0) / 1000;
      await new Promise((r) => setTimeout(r, 1000)); // the window's end must be in the past

      gc();
      const base = process.memoryUsage();
      let peakRss = base.rss;
      let peakHeap = base.heapUsed;
      const sampler = setInterval(() => {
        const m = process.memoryUsage();
        peakRss = Math.max(peakRss, m.rss);
        peakHeap = Math.max(peakHeap, m.heapUsed);
      }, 20);
      const started = performance.now();
      const { workflowId } = await startArchive(client, cfg, window, { mode: 'rerun' });
      const result = (await client.workflow.getHandle(workflowId).result()) as ArchiveWorkflowResult;
      const seconds = (performance.now() - started) / 1000;
      clearInterval(sampler);
      if (result.counts.written !== count || result.manifest.count !== count)
        throw new Error(`archived ${JSON.stringify(result.counts)} of ${count}`);
      figures.push({
        histories: count,
        historiesPerSecond: count / seconds,
        seconds,
        peakRssMiB: peakRss / MB,
        rssGrowthMiB: (peakRss - base.rss) / MB,
      });
      console.log(
        `  ${String(count).padStart(5)} histories   ${(count / seconds).toFixed(0).padStart(4)} histories/s (${seconds.toFixed(1)} s, ${result.pages} pages, ${result.continuedRuns} continue-as-new)` +
          `   peak RSS ${(peakRss / MB).toFixed(0)} MiB (+${((peakRss - base.rss) / MB).toFixed(0)})   peak heap ${(peakHeap / MB).toFixed(0)} MiB (+${((peakHeap - base.heapUsed) / MB).toFixed(0)})` +
          `   [created in ${createdS.toFixed(0)} s]`,
      );
    }
    console.log(
      '  (RSS/heap of the process running the archive worker, sampled every 20 ms; "+" is over the baseline just before the run)',
    );
  } finally {
    archiver.shutdown();
    await archiverRun;
  }
  return figures;
}

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const { env, stop } = await useOrStartStack('archive-bench');
  const config = loadConfig({ ...env, LOG_LEVEL: 'warn' });
  const client = await createTemporalClient(config);
  const connection = await NativeConnection.connect({ address: config.TEMPORAL_ADDRESS });
  try {
    const counts = process.argv
      .slice(2)
      .map(Number)
      .filter((n) => n > 0);
    await runArchiveBench({ config, connection, client, blob: createBlobService(config), counts: counts.length ? counts : undefined });
  } finally {
    await connection.close();
    await client.connection.close();
    await stop();
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

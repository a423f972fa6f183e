import { existsSync } from 'node:fs';
import path from 'node:path';
import type { BlobServiceClient } from '@azure/storage-blob';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Client } from '@temporalio/client';
import { type NativeConnection, Worker } from '@temporalio/worker';
import type { Firestore } from 'firebase-admin/firestore';
import { getMessaging } from 'firebase-admin/messaging';
import { archiveKeysFromPayloadKeys } from '../common/archive/member-keys';
import type { FirebaseClients } from '../common/clients/firebase';
import type { Config } from '../common/config';
import { photoDimensionLimits } from '../common/photos/limits';
import { parseReviewSigningKey } from '../common/scans/review-signature';
import { payloadDataConverter } from '../common/temporal/payload-encryption';
import { noSpanProcessor } from '../common/tracing';
import { type ActivityDeps, createWorkerActivities, type WorkerActivities } from './activities';
import { fcmPushTransport } from './activities/push/fcm';
import { webhookPushTransport } from './activities/push/webhook';
import { boundDecoderResources } from './domain/photo-decoder';
import { PhotoQualityThresholdsSchema } from './domain/photo-quality';
import { createModelRuntime } from './model/runtime';
import { modelSettingsFromConfig } from './model/settings';
import { refusalAudit } from './refusal-audit';
import { tracedPushTransport, WORKFLOW_INTERCEPTOR_MODULES, workerTracingOptions } from './telemetry';
import { becomeCurrentVersion, workerDeploymentOptions } from './versioning';

export function activityDepsFromConfig(
  config: Config,
  firebase: FirebaseClients,
  blobs: { uploads: BlobServiceClient; data: BlobServiceClient },
  temporal?: Client,
): ActivityDeps {
  return {
    temporal,
    archivesContainer: config.WORKFLOW_ARCHIVES_CONTAINER,
    archiveKeys: archiveKeysFromPayloadKeys(
      [config.PAYLOAD_ENCRYPTION_KEY, ...(config.PAYLOAD_DECRYPTION_KEYS ?? '').split(',').filter(Boolean)].map((k) =>
        Buffer.from(k, 'base64'),
      ),
    ),
    db: firebase.db,
    reviewSigningKey: parseReviewSigningKey(config.REVIEW_SIGNING_KEY),
    blob: blobs.uploads,
    dataBlob: blobs.data,
    uploadsContainer: config.SCAN_UPLOADS_CONTAINER,
    sealedPhotosContainer: config.SEALED_PHOTOS_CONTAINER,
    maxPhotoBytes: config.MAX_PHOTO_BYTES,
    photoLimits: photoDimensionLimits(config),
    push: tracedPushTransport(
      config.PUSH_TRANSPORT === 'webhook'
        ? webhookPushTransport(config.PUSH_WEBHOOK_URL!, config.PUSH_WEBHOOK_SECRET!)
        : fcmPushTransport(getMessaging(firebase.app), firebase.db),
    ),
    qualityThresholds: PhotoQualityThresholdsSchema.parse({
      minWidth: config.QUALITY_MIN_WIDTH,
      minHeight: config.QUALITY_MIN_HEIGHT,
      minSharpness: config.QUALITY_MIN_SHARPNESS,
      maxClippedShare: config.QUALITY_MAX_CLIPPED_SHARE,
    }),
    now: () => new Date(),
    buildId: config.WORKER_BUILD_ID,
    model: modelRuntimeFromConfig(config),
  };
}

/** One model client and concurrency limit per worker process; undefined when MODEL_PROVIDER=none. */
function modelRuntimeFromConfig(config: Config) {
  const settings = modelSettingsFromConfig(config);
  return settings ? createModelRuntime(settings) : undefined;
}

/**
 * The prebuilt workflow bundle: named by config, or the one the build put beside the compiled entry
 * point. Production always has one; development bundles from source at start-up instead.
 */
export function findWorkflowBundle(config: Config): string | undefined {
  if (config.WORKER_WORKFLOW_BUNDLE_PATH) return config.WORKER_WORKFLOW_BUNDLE_PATH;
  const beside = path.join(__dirname, 'workflow-bundle.js');
  return existsSync(beside) ? beside : undefined;
}

/** A workflows module for bundling from source (TypeScript under tsx/vitest, JavaScript when compiled). */
const workflowsModule = (name: string) => {
  const ts = path.join(__dirname, 'workflows', `${name}.ts`);
  return existsSync(ts) ? ts : path.join(__dirname, 'workflows', `${name}.js`);
};

/** The workflows entry for bundling from source. */
export const workflowsSourcePath = (): string => workflowsModule('index');

/** Modules every workflow run shares instead of evaluating its own copy (workflows/preloaded.ts); in every bundle. */
export const PRELOADED_WORKFLOW_MODULES = [workflowsModule('preloaded')];

/** Worker options that bundle the workflows from source at start-up, as the prebuilt bundle is made. */
export const workflowsFromSource = () => ({
  workflowsPath: workflowsSourcePath(),
  bundlerOptions: { preloadModules: PRELOADED_WORKFLOW_MODULES },
});

export async function createScanWorker(opts: {
  config: Config;
  connection: NativeConnection;
  activities: WorkerActivities;
  /** Where the worker audits what it refuses outside activities (plaintext payloads, review decisions). */
  db: Firestore;
  taskQueue?: string;
  /** Where workflow spans go (startTelemetry's `workflowSpans`); dropped when not given. */
  workflowSpans?: SpanProcessor;
}) {
  const { config, connection, activities } = opts;
  boundDecoderResources(); // process-wide and idempotent: the same decoder bounds in the container and in tests
  const tracing = workerTracingOptions(opts.workflowSpans ?? noSpanProcessor, 'reddyfit-scan-worker');
  const bundle = findWorkflowBundle(config);
  const taskQueue = opts.taskQueue ?? config.TEMPORAL_TASK_QUEUE;
  if (config.WORKER_BECOME_CURRENT) await becomeCurrentVersion(connection, config, taskQueue);
  const refusals = refusalAudit(opts.db);
  return Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue,
    // Versioned: scans are routed to the current build and (pinned) stay on it to their end (./versioning.ts).
    workerDeploymentOptions: workerDeploymentOptions(config, taskQueue),
    activities,
    // Payloads leave the worker encrypted (they carry health data); plaintext ones coming in are refused and audited.
    dataConverter: payloadDataConverter(config, { onUnencryptedRefused: refusals.unencryptedRefused }),
    ...(bundle ? { workflowBundle: { codePath: bundle } } : workflowsFromSource()),
    // A prebuilt bundle already contains the workflow interceptor modules (scripts/bundle-workflows.ts).
    interceptors: { ...tracing.interceptors, ...(bundle ? {} : { workflowModules: WORKFLOW_INTERCEPTOR_MODULES }) },
    sinks: { ...tracing.sinks, ...refusals.sinks() },
    maxConcurrentActivityTaskExecutions: config.WORKER_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentWorkflowTaskExecutions: config.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
    maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS,
    shutdownGraceTime: `${config.WORKER_SHUTDOWN_GRACE_SECONDS}s`,
  });
}

export { createWorkerActivities };

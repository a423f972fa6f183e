import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { type FcmStandIn, startFcmStandIn } from '../../scripts/lib/fcm-stand-in';
import { writeWorkflowBundle } from '../../worker/workflow-bundler';
import { stackEnv } from './stack';
import { spawnWorkerProcess } from './worker-process';

/**
 * The production push path for a test file: the FCM stand-in (scripts/lib/fcm-stand-in.ts) and a workflow
 * bundle written once, made before the file's tests and removed after them. `spawnWorker(taskQueue)` starts
 * the real worker process on that queue with PUSH_TRANSPORT=fcm and firebase-admin's real messaging(),
 * sending to the stand-in (where the phones' notifications are counted); the file stops what it spawns
 * (`workerForBlock` spawns and stops one for a describe block).
 */
export function fcmPushPath(name: string) {
  const bundleDir = mkdtempSync(path.join(os.tmpdir(), `${name}-`));
  const bundlePath = path.join(bundleDir, 'workflow-bundle.js');
  const push = {
    /** Set before the file's tests (and its own `beforeAll`) run. */
    fcm: undefined as unknown as FcmStandIn,
    /** The worker's environment: the stack's (without the webhook push settings) with the stand-in's. */
    workerEnv(taskQueue: string): Record<string, string> {
      const { PUSH_RECEIVER_LIST_URL: _, STACK_DATA_DIR: __, PUSH_WEBHOOK_URL: ___, PUSH_WEBHOOK_SECRET: ____, ...env } = stackEnv();
      return {
        ...env,
        ...push.fcm.clientEnv,
        TEMPORAL_TASK_QUEUE: taskQueue,
        WORKER_HEALTH_PORT: '0',
        LOG_LEVEL: 'warn',
        WORKER_WORKFLOW_BUNDLE_PATH: bundlePath,
      };
    },
    spawnWorker: (taskQueue: string) => spawnWorkerProcess(push.workerEnv(taskQueue)),
    /** Called in a describe block: a worker on `taskQueue` spawned before its tests, stopped (SIGTERM) after them. */
    workerForBlock(taskQueue: string) {
      let worker: Awaited<ReturnType<typeof spawnWorkerProcess>> | undefined;
      beforeAll(async () => {
        worker = await push.spawnWorker(taskQueue);
      });
      afterAll(async () => {
        worker?.proc.kill('SIGTERM');
        await worker?.exited;
      });
    },
  };
  beforeAll(async () => {
    push.fcm = await startFcmStandIn({ projectId: stackEnv().FIREBASE_PROJECT_ID! });
    await writeWorkflowBundle(bundlePath, 'WARN');
  });
  afterAll(async () => {
    await push.fcm?.close();
    rmSync(bundleDir, { recursive: true, force: true });
  });
  return push;
}

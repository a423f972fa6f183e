import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  bundleWorkflowCode,
  DefaultLogger,
  makeTelemetryFilterString,
  Runtime,
  Worker,
  type WorkerOptions,
  type WorkflowBundle,
} from '@temporalio/worker';
import { afterAll, beforeAll } from 'vitest';
import { ScanProgressKey, ScanStatusKey } from '../../common/contracts/search-attributes';
import { LOCAL_PAYLOAD_KEY } from '../../common/temporal/local-dev-key';
import { FAILURE_CONVERTER_PATH, payloadDataConverter } from '../../common/temporal/payload-encryption';
import { PRELOADED_WORKFLOW_MODULES, workflowsSourcePath } from '../../worker/create-worker';

// Fast workflow tests: Temporal's time-skipping test server with mocked activities, no local stack.
// @temporalio/testing would download the server's native build from Temporal's CDN, which these machines
// cannot reach; the same server (the Java SDK's TestServer, same TestService API) comes from Maven Central
// through scripts/temporal-test-server/ into the ignored .tools/ cache.

const ROOT = path.resolve(__dirname, '..', '..');

/** Fetches the test server once (cached in .tools/) and returns the launcher the SDK starts as `<launcher> <port>`. */
export function installTimeSkippingServer(): string {
  return execFileSync('bash', [path.join(ROOT, 'scripts', 'temporal-test-server', 'install.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 600_000,
  }).trim();
}

/** The payload converter the worker and the Functions app use: tests see what production would send. */
export const testDataConverter = payloadDataConverter({ PAYLOAD_ENCRYPTION_KEY: LOCAL_PAYLOAD_KEY });

/** temporal.api.enums.v1.IndexedValueType (INDEXED_VALUE_TYPE_KEYWORD, _INT) of each type the scan uses. */
const SEARCH_ATTRIBUTE_TYPES = { [SearchAttributeType.KEYWORD]: 2, [SearchAttributeType.INT]: 3 } as const;

/**
 * A time-skipping environment on the Java test server, with the scan's search attributes registered.
 * The SDK gives a started server 5 s to answer; with the class data archive the JVM needs 1-2 s on a
 * loaded 2-core machine, and a start that still misses gets two more tries.
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const launcher = installTimeSkippingServer();
  let env: TestWorkflowEnvironment | undefined;
  for (let attempt = 1; !env; attempt++) {
    try {
      env = await TestWorkflowEnvironment.createTimeSkipping({
        server: { executable: { type: 'existing-path', path: launcher } },
        client: { dataConverter: testDataConverter },
      });
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      [ScanStatusKey, ScanProgressKey].map((k) => [k.name, SEARCH_ATTRIBUTE_TYPES[k.type as keyof typeof SEARCH_ATTRIBUTE_TYPES]]),
    ),
  });
  return env;
}

/** The workflow bundle as the worker image builds it (same failure converter), built once per test file. */
export function bundleWorkflows(): Promise<WorkflowBundle> {
  return bundleWorkflowCode({
    workflowsPath: workflowsSourcePath(),
    failureConverterPath: FAILURE_CONVERTER_PATH,
    preloadModules: PRELOADED_WORKFLOW_MODULES,
    logger: new DefaultLogger('WARN'),
  });
}

/**
 * The activities of this closed run that still hold the test server's clock, empty when none does. The
 * Java test server skips no time while an activity is in flight and lets go only when that activity's end
 * reaches an open run; one still in flight when its run closed (a cancellation the workflow did not wait
 * for, reported after the close, is refused) holds the clock for the rest of the server's life, and every
 * later test of the file runs in real time: minutes of skipped backoff then take minutes. (So does an
 * activity the workflow cancels before any worker took it, which leaves no trace to check here: a test
 * that cancels a step lets it start first.)
 */
export async function activitiesHoldingTheClock(handle: WorkflowHandle): Promise<string[]> {
  const { status, raw } = await handle.describe();
  if (status.name === 'RUNNING') throw new Error(`workflow ${handle.workflowId} is still running: ask once it has closed`);
  return (raw.pendingActivities ?? []).map((a) => `${a.activityType?.name} (in flight when the run closed)`);
}

/**
 * One test file's time-skipping set-up: the environment and the workflow bundle, started before its
 * tests and torn down after them, and workers on task queues of their own with the file's mocked
 * activities. Call once at the top level of a test file.
 */
export function timeSkippingSuite() {
  let env: TestWorkflowEnvironment | undefined;
  let bundle: WorkflowBundle | undefined;
  beforeAll(async () => {
    // Failed, cancelled and retried runs are what these tests make: the worker's warnings about them
    // would only bury the output. (The test server lacks a capability core warns about for each
    // worker; that is not a fault either.)
    Runtime.install({
      logger: new DefaultLogger('ERROR'),
      telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR', other: 'ERROR' }) } },
    });
    [env, bundle] = await Promise.all([createTimeSkippingEnv(), bundleWorkflows()]);
  }, 600_000); // the first run on a machine fetches the test server from Maven Central
  afterAll(async () => {
    await env?.teardown();
  });
  const started = () => {
    if (!env || !bundle) throw new Error('the time-skipping environment is not up (used outside a test?)');
    return { env, bundle };
  };
  return {
    get env(): TestWorkflowEnvironment {
      return started().env;
    },
    /** A worker with these activities on a task queue of its own (`prefix-<uuid>`), sharing the file's bundle. */
    async worker(prefix: string, activities: object, options: Partial<WorkerOptions> = {}) {
      const { env, bundle } = started();
      const taskQueue = `${prefix}-${randomUUID()}`;
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle: bundle,
        activities,
        dataConverter: env.client.options.dataConverter,
        ...options,
      });
      return { worker, taskQueue };
    },
  };
}

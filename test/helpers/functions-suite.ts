import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll } from 'vitest';
import { createBlobService } from '../../common/clients/blob';
import { createFirebase } from '../../common/clients/firebase';
import { createTemporalClient } from '../../common/clients/temporal';
import type { Config } from '../../common/config';
import type { LocalHost } from '../../functions/local-host';
import { startFunctionsHost } from './http';
import { testConfig, uniqueTaskQueue } from './stack';

/**
 * The usual API suite: the file's config on a task queue of its own (`settings` on top), Firebase, Blob and
 * Temporal clients, and the local Functions host on that config, started before the file's tests and closed
 * after them. No worker polls the queue (`scanWorkerSuite` in ./scan.ts starts one): a workflow the API
 * starts stays where it began. `host: false` leaves the host to the tests (one that must not outlive a test).
 * The file's own `beforeAll` runs after the suite's, its own `afterAll` before the suite's teardown.
 */
export function functionsSuite(
  name: string,
  settings: Record<string, string> = {},
  opts: { host?: false | { pollIntervalMs?: number } } = {},
) {
  const config: Config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueTaskQueue(name), ...settings });
  const suite = {
    config,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    firebase: createFirebase(config, `${name}-${randomUUID()}`),
    blob: createBlobService(config),
    /** Set before the file's tests (and its own `beforeAll`) run. */
    client: undefined as unknown as Client,
    /** The local Functions host; set before the file's tests run unless `host: false`. */
    host: undefined as unknown as LocalHost,
  };
  beforeAll(async () => {
    suite.client = await createTemporalClient(config);
    if (opts.host !== false) suite.host = await startFunctionsHost(config, opts.host ?? {});
  });
  afterAll(async () => {
    await suite.host?.close();
    await suite.client?.connection.close();
    await suite.firebase.close();
  });
  return suite;
}

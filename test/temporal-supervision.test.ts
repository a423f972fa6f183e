import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../scripts/lib/local-stack';
import { releaseSignal } from './fixtures/echo-workflow';

// The Temporal dev server of the local stack dies (SIGKILL, no goodbye): the stack restarts it on the
// same port and database file, and a workflow that was running carries on to completion.
describe('local stack supervises the Temporal dev server', () => {
  let stack: LocalStack;
  let dataDir: string;
  const lines: string[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'reddyfit-supervision-'));
    stack = await startLocalStack({ dataDir, persistent: false, log: (l) => lines.push(l) });
  });
  afterAll(async () => {
    await stack?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('restarts a killed server on the same address, and a running workflow completes', async () => {
    const supervisor = stack.temporalSupervisor;
    expect(supervisor, 'the stack runs the temporal CLI, so it supervises it').toBeDefined();
    const address = stack.urls.temporal;
    const namespace = stack.env.TEMPORAL_NAMESPACE!;
    const taskQueue = `supervision-${randomUUID()}`;
    const workflowId = `supervision-${randomUUID()}`;

    const workerConnection = await NativeConnection.connect({ address });
    const worker = await Worker.create({
      connection: workerConnection,
      namespace,
      taskQueue,
      workflowsPath: path.join(__dirname, 'fixtures', 'echo-workflow.ts'),
    });
    const run = worker.run();
    const client = new Client({ connection: await Connection.connect({ address }), namespace });
    const handle = await client.workflow.start('waitForReleaseWorkflow', { taskQueue, workflowId, args: ['before the crash'] });
    // The workflow has run its first task and now waits for the signal.
    await expect.poll(async () => (await handle.describe()).historyLength, { timeout: 20_000 }).toBeGreaterThanOrEqual(4);

    const serverPid = supervisor!.servicePid();
    expect(serverPid).toBeTypeOf('number');
    const back = supervisor!.nextRestart();
    process.kill(serverPid!, 'SIGKILL');
    await back;

    expect(supervisor!.restarts()).toBe(1);
    expect(supervisor!.servicePid()).not.toBe(serverPid);
    expect(lines.some((l) => l.startsWith('temporal exited unexpectedly ('))).toBe(true);
    expect(lines).toContain('temporal is back (restart 1)');

    // Same address, same database: the workflow started before the crash is still there and completes.
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await handle.signal(releaseSignal);
    await expect(handle.result()).resolves.toBe('released: before the crash');

    worker.shutdown();
    await run;
    await workerConnection.close();
    await client.connection.close();
  });
});

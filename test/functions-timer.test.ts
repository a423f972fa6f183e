import { InvocationContext } from '@azure/functions';
import { afterAll, describe, expect, it } from 'vitest';
import { registrations } from '../functions/definitions';
import { createDeps } from '../functions/deps';
import { testConfig, uniqueTaskQueue } from './helpers/stack';
import { terminateWorkflows } from './helpers/workflows';

// The nightly timer (app.timer at 02:00 UTC) starts the archive workflow for the night before, once.
describe('functions: nightly archive timer', () => {
  // A task queue no worker polls: this test is about starting, and the run is terminated at the end.
  const config = testConfig({ TEMPORAL_TASK_QUEUE: uniqueTaskQueue('timer') });
  const deps = createDeps(config, { firebaseAppName: `timer-${Date.now()}` });
  const timer = registrations().timer.find((t) => t.name === 'nightlyArchive')!;
  const started: string[] = [];
  afterAll(async () => {
    await terminateWorkflows(await deps.temporal(), started);
  });

  it('is registered at 02:00 UTC daily (six-field NCRONTAB)', () => {
    expect(timer.schedule).toBe('0 0 2 * * *');
  });

  it('a second trigger for the same night starts nothing new', async () => {
    const night = new Date('2001-03-04T02:00:00Z'); // a night no other test archives
    const context = () => new InvocationContext({ functionName: 'nightlyArchive' });
    await Promise.all([timer.handler(context(), deps, night), timer.handler(context(), deps, night)]);
    await timer.handler(context(), deps, new Date('2001-03-04T02:05:00Z'));
    const client = await deps.temporal();
    const runs: Array<{ workflowId: string; type: string }> = [];
    for await (const w of client.workflow.list({ query: `WorkflowId STARTS_WITH 'archive-2001-03-03'` }))
      runs.push({ workflowId: w.workflowId, type: w.type });
    expect(runs).toHaveLength(1);
    expect(runs[0]!.type).toBe('archiveWorkflow');
    started.push(runs[0]!.workflowId);
  });
});

import type { temporal } from '@temporalio/proto';
import { afterAll, describe, expect, it } from 'vitest';
import { startArchive } from '../common/archive/start-archive';
import { workflowIdForErasure } from '../common/contracts/erasure';
import { startDailyScan } from '../common/scans/start-scan';
import { BACKGROUND_PRIORITY, INTERACTIVE_PRIORITY } from '../common/temporal/priority';
import { idTokenFor } from './helpers/auth';
import { functionsSuite } from './helpers/functions-suite';
import { api } from './helpers/http';
import { newUserId, seedMember, seedUploadedScan, startTestWorker } from './helpers/scan';

// Interactive first (issue 25 item 5): the archive and erasures share the scans' task queue at a lower
// priority, so a member's scan started behind a backlog of their work is served ahead of it. One
// activity slot makes the order visible: every task the worker takes is the matching service's choice.
const ERASURES = 8;
const suite = functionsSuite('priority', {
  REVIEW_MIN_CONFIDENCE: '0',
  WORKER_MAX_CONCURRENT_ACTIVITIES: '1',
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: '2',
});
const { config, taskQueue, firebase, blob } = suite;
let worker: Awaited<ReturnType<typeof startTestWorker>> | undefined;
afterAll(() => worker?.stop());

const millis = (t: temporal.api.history.v1.IHistoryEvent['eventTime']) =>
  Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);

/** When a worker took each of a run's workflow tasks and activities (event times, one server clock). */
async function tasksTaken(workflowId: string) {
  const { events } = await suite.client.workflow.getHandle(workflowId).fetchHistory();
  const taken = { workflowTasks: [] as number[], activities: [] as number[] };
  for (const e of events ?? []) {
    if (e.workflowTaskStartedEventAttributes) taken.workflowTasks.push(millis(e.eventTime));
    if (e.activityTaskStartedEventAttributes) taken.activities.push(millis(e.eventTime));
  }
  return taken;
}

async function priorityKeyOf(workflowId: string) {
  return (await suite.client.workflow.getHandle(workflowId).describe()).raw.workflowExecutionInfo?.priority?.priorityKey;
}

describe('task queue priority: interactive first', () => {
  it('a scan started behind a busy archive and eight erasures is served ahead of them, and their work still finishes', async () => {
    // The backlog, queued before any worker polls: eight members' erasures through the API and the archive.
    const erasures: string[] = [];
    for (let i = 0; i < ERASURES; i++) {
      const uid = newUserId();
      await seedMember(firebase.db, uid);
      expect((await api(suite.host, '/api/me', { method: 'DELETE', token: await idTokenFor(firebase.auth, config, uid) })).status).toBe(
        202,
      );
      erasures.push(workflowIdForErasure(uid, 1));
    }
    const now = Date.now();
    const archive = await startArchive(suite.client, config, {
      from: new Date(now - 3_600_000).toISOString(),
      to: new Date(now).toISOString(),
      taskQueue,
    });
    const background = [...erasures, archive.workflowId];
    const scan = await seedUploadedScan(firebase, blob, config);
    const { workflowId: scanWorkflowId } = await startDailyScan(suite.client, config, scan, taskQueue);

    for (const id of background) expect(await priorityKeyOf(id)).toBe(BACKGROUND_PRIORITY.priorityKey);
    expect(await priorityKeyOf(scanWorkflowId)).toBe(INTERACTIVE_PRIORITY.priorityKey);

    worker = await startTestWorker(config, firebase, blob, { taskQueue, deps: { temporal: suite.client } });
    expect((await suite.client.workflow.getHandle(scanWorkflowId).result()).status).toBe('completed');
    await Promise.all(background.map((id) => suite.client.workflow.getHandle(id).result()));

    const scanTasks = await tasksTaken(scanWorkflowId);
    const backgroundTasks = await Promise.all(background.map(tasksTaken));
    const takenBefore = (t: number, kind: 'workflowTasks' | 'activities') =>
      backgroundTasks.flatMap((b) => b[kind]).filter((x) => x < t).length;

    // Queued last, taken first: of the workflow tasks, at most the one taken by the worker's second slot
    // alongside the scan's went before it, and no more than one background step ran before the scan's
    // first step. First in, first out, every background workflow's first task and step would have gone
    // first (13 steps in a trial with the scan at the background's priority).
    expect(takenBefore(Math.min(...scanTasks.workflowTasks), 'workflowTasks')).toBeLessThanOrEqual(1);
    expect(takenBefore(Math.min(...scanTasks.activities), 'activities')).toBeLessThanOrEqual(1);

    // The backlog was real: background steps were still waiting when the scan's last step was taken.
    const backgroundSteps = backgroundTasks.flatMap((b) => b.activities);
    expect(backgroundSteps.filter((t) => t > Math.max(...scanTasks.activities)).length).toBeGreaterThan(ERASURES);
  }, 180_000);
});

import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { workflowIdForErasure } from '../../common/contracts/erasure';
import { FailureType } from '../../common/contracts/failures';
import { timeSkippingSuite } from '../../test/helpers/time-skipping';
import type { ErasureActivities } from '../activities/erasure';
import { eraseMemberWorkflow } from './erase-member';

// eraseMemberWorkflow on Temporal's time-skipping test server with mocked activities: the order of the
// steps, the durable wait before the last photo sweep, the counts it reports, and that a failing step is
// retried until done (backoff and the wait skipped). Runs recorded before the last sweep was patched in
// take their recorded path: test/fixtures/histories/erase-member.json replays in worker/replay.test.ts.

const suite = timeSkippingSuite();

type Name = keyof ErasureActivities;
type Impl<N extends Name> = (input: Parameters<ErasureActivities[N]>[0]) => ReturnType<ErasureActivities[N]>;

async function erase(overrides: { [N in Name]?: Impl<N> } = {}, opts: { legacy?: boolean; sweepAfterMs?: number } = {}) {
  const calls: { name: Name; input: unknown; atMs: number }[] = [];
  let photoPasses = 0;
  const impls: { [N in Name]: Impl<N> } = {
    cancelMemberScans: async () => ({ scanIds: ['scan_a1b2c3d4', 'scan_e5f6a7b8'], cancelled: 1 }),
    // The second pass finds what was uploaded while the records were erased.
    deleteMemberPhotos: async () => ({ deleted: ++photoPasses === 1 ? 8 : 2 }),
    deleteMemberExecutions: async () => ({ deleted: 2 }),
    deleteMemberRecords: async () => ({ deleted: 2 }),
    destroyMemberArchiveKey: async () => ({ destroyed: true }),
    completeErasure: async () => undefined,
    ...overrides,
  };
  const activities = Object.fromEntries(
    Object.entries(impls).map(([name, impl]) => [
      name,
      async (input: never) => {
        calls.push({ name: name as Name, input, atMs: await suite.env.currentTimeMs() });
        return (impl as (i: never) => Promise<unknown>)(input);
      },
    ]),
  );
  const { worker, taskQueue } = await suite.worker('erase-member', activities);
  const userId = `member_${randomUUID().slice(0, 8)}`;
  const sweepAfter = new Date((await suite.env.currentTimeMs()) + (opts.sweepAfterMs ?? 0)).toISOString();
  const run = suite.env.client.workflow.execute(eraseMemberWorkflow, {
    taskQueue,
    workflowId: workflowIdForErasure(userId, 2),
    args: [{ userId, sequence: 2, sweepAfter }],
  });
  const outcome = await worker.runUntil(
    run.then(
      (counts) => ({ counts, error: undefined }),
      (error: unknown) => ({ counts: undefined, error }),
    ),
  );
  return { ...outcome, calls, userId, sweepAfter };
}

describe('eraseMemberWorkflow (time-skipping server, mocked activities)', () => {
  it('ends open scans first, erases Temporal copies before the records that name them, waits for the upload URLs to expire, sweeps the photos once more, and reports counts', async () => {
    const { counts, error, calls, userId, sweepAfter } = await erase({}, { sweepAfterMs: 20 * 60_000 });
    expect(error).toBeUndefined();
    expect(calls.map((c) => c.name)).toEqual([
      'cancelMemberScans',
      'deleteMemberPhotos',
      'deleteMemberExecutions',
      'deleteMemberRecords',
      'destroyMemberArchiveKey',
      'deleteMemberPhotos',
      'completeErasure',
    ]);
    // The last sweep ran once the server's clock passed sweepAfter (the durable timer), not before.
    const sweeps = calls.filter((c) => c.name === 'deleteMemberPhotos');
    expect(sweeps[0]!.atMs).toBeLessThan(Date.parse(sweepAfter));
    expect(sweeps[1]!.atMs).toBeGreaterThanOrEqual(Date.parse(sweepAfter));
    const scanIds = ['scan_a1b2c3d4', 'scan_e5f6a7b8'];
    expect(calls.find((c) => c.name === 'deleteMemberExecutions')?.input).toEqual({ userId, scanIds });
    const expected = { scansCancelled: 1, scansDeleted: 2, photosDeleted: 10, executionsDeleted: 2, archiveKeyDestroyed: true };
    expect(counts).toEqual(expected);
    expect(calls.at(-1)?.input).toEqual({ userId, sequence: 2, counts: expected });
  });

  it('a sweep time already past: no wait, the last sweep follows the key', async () => {
    const { error, calls } = await erase({}, { sweepAfterMs: -60_000 });
    expect(error).toBeUndefined();
    expect(calls.at(-2)?.name).toBe('deleteMemberPhotos');
    expect(calls.at(-2)!.atMs - calls.at(-3)!.atMs).toBeLessThan(60_000);
  });

  it('retries a failing step until it is done (backoff skipped) and never repeats the steps before it', async () => {
    let failures = 0;
    const started = Date.now();
    const before = await suite.env.currentTimeMs();
    const { counts, error, calls } = await erase({
      deleteMemberRecords: async () => {
        if (++failures <= 8) throw new Error('database unavailable');
        return { deleted: 2 };
      },
    });
    expect(error).toBeUndefined();
    expect(counts?.scansDeleted).toBe(2);
    expect(calls.filter((c) => c.name === 'deleteMemberRecords')).toHaveLength(9);
    expect(calls.filter((c) => c.name === 'cancelMemberScans')).toHaveLength(1);
    // 1+2+4+…+60 s of backoff (about 4 min) passed on the server's clock, not the test's.
    expect(await suite.env.currentTimeMs()).toBeGreaterThanOrEqual(before + 3 * 60_000);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('stops on invalid input instead of retrying it forever', async () => {
    const { error, calls } = await erase({
      cancelMemberScans: async () => {
        throw ApplicationFailure.create({ type: FailureType.InvalidActivityInput, message: 'invalid user id' });
      },
    });
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect(calls.map((c) => c.name)).toEqual(['cancelMemberScans']);
  });
});

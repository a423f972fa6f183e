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
// steps, the counts it reports, and that a failing step is retried until done (backoff skipped).

const suite = timeSkippingSuite();

type Name = keyof ErasureActivities;
type Impl<N extends Name> = (input: Parameters<ErasureActivities[N]>[0]) => ReturnType<ErasureActivities[N]>;

async function erase(overrides: { [N in Name]?: Impl<N> } = {}) {
  const calls: { name: Name; input: unknown }[] = [];
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
      (input: never) => {
        calls.push({ name: name as Name, input });
        return (impl as (i: never) => Promise<unknown>)(input);
      },
    ]),
  );
  const { worker, taskQueue } = await suite.worker('erase-member', activities);
  const userId = `member_${randomUUID().slice(0, 8)}`;
  const outcome = await worker.runUntil(
    suite.env.client.workflow
      .execute(eraseMemberWorkflow, { taskQueue, workflowId: workflowIdForErasure(userId), args: [{ userId }] })
      .then(
        (counts) => ({ counts, error: undefined }),
        (error: unknown) => ({ counts: undefined, error }),
      ),
  );
  return { ...outcome, calls, userId };
}

describe('eraseMemberWorkflow (time-skipping server, mocked activities)', () => {
  it('ends open scans first, erases Temporal copies before the records that name them, destroys the key last, and reports counts', async () => {
    const { counts, error, calls, userId } = await erase();
    expect(error).toBeUndefined();
    expect(calls.map((c) => c.name)).toEqual([
      'cancelMemberScans',
      'deleteMemberPhotos',
      'deleteMemberExecutions',
      'deleteMemberRecords',
      'deleteMemberPhotos',
      'destroyMemberArchiveKey',
      'completeErasure',
    ]);
    const scanIds = ['scan_a1b2c3d4', 'scan_e5f6a7b8'];
    expect(calls.find((c) => c.name === 'deleteMemberExecutions')?.input).toEqual({ userId, scanIds });
    expect(calls.find((c) => c.name === 'deleteMemberRecords')?.input).toEqual({ userId, scanIds });
    const expected = { scansCancelled: 1, scansDeleted: 2, photosDeleted: 10, executionsDeleted: 2, archiveKeyDestroyed: true };
    expect(counts).toEqual(expected);
    expect(calls.at(-1)?.input).toEqual({ userId, counts: expected });
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

import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { WorkflowIdReusePolicy } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../common/config';
import { startNightlyArchive } from './start-nightly-archive';

const config = loadConfig({
  REDDYFIT_LOCAL_MODE: 'true',
  TEMPORAL_ADDRESS: 'localhost:7233',
  PAYLOAD_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
  REVIEW_SIGNING_KEY: Buffer.alloc(32, 11).toString('base64'),
  FIREBASE_PROJECT_ID: 'demo-reddyfit',
  FIRESTORE_EMULATOR_HOST: 'localhost:1',
  FIREBASE_AUTH_EMULATOR_HOST: 'localhost:2',
  ScanStorage: 'UseDevelopmentStorage=true;AccountName=devstoreaccount1',
  ARCHIVE_PAGE_SIZE: '100',
});

/** A client that records starts and, like the server, refuses a second start of the same id. */
function fakeClient() {
  const starts: Array<{ type: string; opts: any }> = [];
  const ids = new Set<string>();
  const client = {
    workflow: {
      async start(type: string, opts: any) {
        if (ids.has(opts.workflowId)) throw new WorkflowExecutionAlreadyStartedError('already started', opts.workflowId, type);
        ids.add(opts.workflowId);
        starts.push({ type, opts });
        return { firstExecutionRunId: `run-${starts.length}` };
      },
    },
  } as unknown as Client;
  return { client, starts };
}

describe('startNightlyArchive', () => {
  it('starts the archive of the previous UTC day under archive-{yyyy-mm-dd}, once', async () => {
    const { client, starts } = fakeClient();
    const first = await startNightlyArchive(client, config, new Date('2026-03-04T02:00:00.120Z'));
    expect(first).toMatchObject({
      started: true,
      workflowId: 'archive-2026-03-03',
      window: { from: '2026-03-03T00:00:00.000Z', to: '2026-03-04T00:00:00.000Z' },
    });
    expect(starts).toHaveLength(1);
    expect(starts[0]!.type).toBe('archiveWorkflow');
    expect(starts[0]!.opts).toMatchObject({
      taskQueue: 'body-fat-analysis-queue',
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
      args: [{ from: '2026-03-03T00:00:00.000Z', to: '2026-03-04T00:00:00.000Z', tuning: { pageSize: 100, concurrency: 8 } }],
    });
    expect(starts[0]!.opts.args[0].taskQueue).toBeUndefined();

    // A second trigger for the same night (a retry, a second instance) starts nothing new.
    const again = await startNightlyArchive(client, config, new Date('2026-03-04T02:00:05Z'));
    expect(again).toMatchObject({ started: false, workflowId: 'archive-2026-03-03' });
    expect(starts).toHaveLength(1);

    // The next night is its own job.
    expect((await startNightlyArchive(client, config, new Date('2026-03-05T02:00:00Z'))).workflowId).toBe('archive-2026-03-04');
  });
});

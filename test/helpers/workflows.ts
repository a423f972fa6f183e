import type { Client } from '@temporalio/client';

/** Ends runs a test started on a task queue no worker polls; one already closed (or never started) is fine. */
export async function terminateWorkflows(client: Client, workflowIds: Iterable<string>, reason = 'test over'): Promise<void> {
  for (const id of workflowIds)
    await client.workflow
      .getHandle(id)
      .terminate(reason)
      .catch(() => undefined);
}

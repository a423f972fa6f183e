import { startNightlyArchive } from '../archive/start-nightly-archive';
import { defineTimer } from '../framework/types';

/**
 * 02:00 UTC every night: archive the previous UTC day's closed workflow histories to the immutable
 * `workflow-archives` container. The workflow id is per night, so a second trigger starts nothing.
 */
export const nightlyArchive = defineTimer({
  name: 'nightlyArchive',
  schedule: '0 0 2 * * *',
  async handler(context, deps, now) {
    const r = await startNightlyArchive(await deps.temporal(), deps.config, now);
    context.log(
      JSON.stringify({
        msg: r.started ? 'nightly archive started' : 'nightly archive already started',
        workflowId: r.workflowId,
        window: r.window,
      }),
    );
  },
});

// The nightly trigger's logic (the Functions app's timer at 02:00 UTC calls this): archive the previous
// UTC day under `archive-{yyyy-mm-dd}`. A second trigger for the same night starts nothing new.
import type { Client } from '@temporalio/client';
import { nightlyWindow } from '../../common/archive/layout';
import { startArchive } from '../../common/archive/start-archive';
import type { Config } from '../../common/config';

export async function startNightlyArchive(client: Client, config: Config, now: Date = new Date()) {
  const window = nightlyWindow(now);
  const started = await startArchive(client, config, window, { mode: 'once' });
  return { ...started, window };
}

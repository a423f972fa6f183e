import { Cron } from 'croner';
import type { Deps } from '../deps';
import { inTriggerSpan } from '../framework/pipeline';
import type { TimerFunctionDefinition } from '../framework/types';
import { contextFor, type HostLog, type InFlight } from './context';

/** The timer functions on their NCRONTAB schedules (UTC), as the Functions host's timer trigger runs them. */
export function startTimers(opts: { defs: TimerFunctionDefinition[]; deps: Deps; log: HostLog; inFlight: InFlight }): { stop(): void } {
  const { deps, log, inFlight } = opts;
  // protect: a run still going when the next is due is skipped, like the host's singleton timer lock.
  const jobs = opts.defs.map(
    (def) =>
      new Cron(def.schedule, { timezone: 'UTC', protect: true }, () =>
        inFlight.track(
          inTriggerSpan(def.name, 'timer', () => def.handler(contextFor(def.name, log), deps, deps.now())).catch((err: unknown) => {
            log('error', `${def.name}: run failed (${err instanceof Error ? err.name : 'error'})`);
          }),
        ),
      ),
  );
  return {
    stop: () => {
      for (const job of jobs) job.stop();
    },
  };
}

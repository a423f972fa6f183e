import type { Config } from '../../common/config';
import { Semaphore } from '../../common/semaphore';
import type { Deps } from '../deps';
import { inTriggerSpan } from '../framework/pipeline';
import type { BlobFunctionDefinition } from '../framework/types';
import { contextFor, type HostLog, type InFlight } from './context';

// Azurite has no Event Grid: each blob trigger's container is listed on an interval and every new or
// changed blob is delivered to the same handler the Event Grid subscription calls in Azure.

const MAX_TRIGGER_ATTEMPTS = 5; // as the Functions host's blob trigger retries (maxDequeueCount)
/**
 * Event Grid keeps retrying an event for 24 hours (its default event time-to-live) while the Functions
 * app is down, so a host that starts delivers what was created in that window, not only what comes next.
 */
const EVENT_RETRY_WINDOW_MS = 24 * 3600_000;
/** Blob events handled at once (a start after downtime can find many). */
const MAX_CONCURRENT_DELIVERIES = 16;

export function startBlobEvents(opts: {
  defs: BlobFunctionDefinition[];
  config: Config;
  deps: Deps;
  log: HostLog;
  inFlight: InFlight;
  pollIntervalMs?: number;
}): { delivered(): number; stop(): void } {
  const { config, deps, log, inFlight } = opts;
  // Deliveries wait for a slot, so a start after downtime does not open hundreds of requests at once.
  const deliveries = new Semaphore(MAX_CONCURRENT_DELIVERIES);
  let delivered = 0;

  function blobPoller(def: BlobFunctionDefinition) {
    const containerName = def.container(config);
    const container = deps.blob.getContainerClient(containerName);
    const seen = new Map<string, string>();
    const attempts = new Map<string, number>();
    let timer: NodeJS.Timeout | undefined;
    let stopped = false;

    async function listOnce(createdAfter: number) {
      const fresh: string[] = [];
      for await (const b of container.listBlobsFlat()) {
        const tag = `${b.properties.etag ?? ''}`;
        if (seen.get(b.name) === tag) continue;
        seen.set(b.name, tag);
        if (b.properties.lastModified.getTime() > createdAfter) fresh.push(b.name);
      }
      for (const name of fresh) {
        const key = `${name}#${seen.get(name)}`;
        delivered++;
        const delivery = deliveries.use(() =>
          inTriggerSpan(def.name, 'datasource', () =>
            def.handler(
              { name, container: containerName },
              contextFor(def.name, log, { name, blobTrigger: `${containerName}/${name}`, uri: container.getBlobClient(name).url }),
              deps,
            ),
          ),
        );
        void inFlight.track(
          delivery.then(
            () => {
              attempts.delete(key);
            },
            (err: unknown) => {
              const n = (attempts.get(key) ?? 0) + 1;
              attempts.set(key, n);
              log('error', `${def.name}: attempt ${n} failed (${err instanceof Error ? err.name : 'error'})`);
              if (n < MAX_TRIGGER_ATTEMPTS) seen.delete(name); // delivered again on the next poll
            },
          ),
        );
      }
    }

    // What arrived while no host ran is delivered now, as Event Grid's retries would; older blobs
    // are past its retry window (the reconciliation timer covers their scans).
    let createdAfter = deps.now().getTime() - EVENT_RETRY_WINDOW_MS;
    const loop = async () => {
      if (stopped) return;
      await listOnce(createdAfter).then(
        () => {
          createdAfter = Number.NEGATIVE_INFINITY; // after the first listing every new blob is an event
        },
        (err: unknown) => log('warning', `${def.name}: listing failed (${err instanceof Error ? err.name : 'error'})`),
      );
      if (!stopped) timer = setTimeout(loop, opts.pollIntervalMs ?? 300);
    };
    timer = setTimeout(loop, 0);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }

  const stops = opts.defs.map(blobPoller);
  return {
    delivered: () => delivered,
    stop: () => {
      for (const stop of stops) stop();
    },
  };
}

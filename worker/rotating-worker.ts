import type { NativeConnection, Worker } from '@temporalio/worker';
import { clientCredentialsFingerprint } from '../common/clients/temporal';
import type { Config } from '../common/config';
import { connectWorkerToTemporal } from './temporal-connection';

// Client certificate rotation without a restart: the certificate and key are read again every
// TEMPORAL_TLS_ROTATION_CHECK_SECONDS; when they changed, a new connection (and a new worker on it) is
// started first, then the old worker drains (its running activities finish) and its connection closes.
// Running workflows carry on from their histories on the new worker.

interface Generation {
  connection: NativeConnection;
  worker: Worker;
  running: Promise<void>;
  fingerprint: string;
}

export interface RotatingWorker {
  /** The worker polling now. */
  current(): Worker;
  /** Resolves once the worker in place has stopped (SIGTERM/SIGINT) and nothing is being swapped. */
  done: Promise<void>;
}

export async function startRotatingWorker(opts: {
  config: Config;
  /** Everything that hangs off one connection: activities, their client, the worker. */
  build: (connection: NativeConnection) => Promise<{ worker: Worker; close?: () => Promise<void> }>;
  log: (msg: string, fields?: Record<string, unknown>) => void;
}): Promise<RotatingWorker> {
  const { config, build, log } = opts;
  const closers = new Map<Worker, (() => Promise<void>) | undefined>();
  const start = async (): Promise<Generation> => {
    const fingerprint = clientCredentialsFingerprint(config);
    const connection = await connectWorkerToTemporal(config);
    try {
      const built = await build(connection);
      closers.set(built.worker, built.close);
      return { connection, worker: built.worker, running: built.worker.run(), fingerprint };
    } catch (err) {
      await connection.close();
      throw err;
    }
  };
  const retire = async (g: Generation) => {
    if (g.worker.getState() === 'RUNNING') g.worker.shutdown();
    await g.running.catch((err: unknown) => log('retired worker ended with an error', { error: (err as Error).message }));
    await closers.get(g.worker)?.();
    await g.connection.close();
  };

  let gen = await start();
  let stopping = false;
  let swapping: Promise<void> | undefined;
  for (const s of ['SIGTERM', 'SIGINT'] as const) process.once(s, () => (stopping = true));

  const check = async () => {
    if (stopping || swapping) return;
    let fingerprint: string;
    try {
      fingerprint = clientCredentialsFingerprint(config);
    } catch {
      log('client certificate unreadable; keeping the current connection');
      return;
    }
    if (fingerprint === gen.fingerprint) return;
    swapping = (async () => {
      const old = gen;
      try {
        gen = await start();
      } catch (err) {
        log('new client certificate refused; keeping the current connection', { error: (err as Error).message });
        old.fingerprint = fingerprint; // try again only when it changes again
        return;
      }
      log('client certificate rotated: new connection polling, previous worker draining');
      await retire(old);
      log('previous connection closed');
    })().finally(() => (swapping = undefined));
  };
  const everyMs = config.TEMPORAL_TLS_ROTATION_CHECK_SECONDS * 1000;
  const timer = everyMs > 0 ? setInterval(() => void check(), everyMs) : undefined;
  timer?.unref();

  const done = (async () => {
    for (;;) {
      const g = gen;
      await g.running;
      await swapping;
      if (g === gen) break; // no newer generation took over: this was a real stop
    }
    clearInterval(timer);
    await closers.get(gen.worker)?.();
    await gen.connection.close();
  })();
  return { current: () => gen.worker, done };
}

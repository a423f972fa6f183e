import type { WorkerFleet } from './rollout';
import { spawnWorkerProcess } from './worker-process';

type WorkerProcess = Awaited<ReturnType<typeof spawnWorkerProcess>>;

/**
 * The rollout's fleet on a laptop or in a test: one worker process per build (worker/main.ts, as the
 * container runs it), started beside the others and never making itself current (the rollout does that).
 */
export function localWorkerFleet(env: Record<string, string>, args?: string[]): WorkerFleet & { processes: Map<string, WorkerProcess> } {
  const processes = new Map<string, WorkerProcess>();
  return {
    processes,
    async start(buildId) {
      if (processes.has(buildId)) return;
      processes.set(buildId, await spawnWorkerProcess({ ...env, WORKER_BUILD_ID: buildId, WORKER_BECOME_CURRENT: 'false' }, args));
    },
    async running() {
      return [...processes].filter(([, p]) => p.proc.exitCode === null).map(([b]) => b);
    },
    async stop(buildId) {
      const worker = processes.get(buildId);
      if (!worker) return;
      worker.proc.kill('SIGTERM');
      await worker.exited;
      processes.delete(buildId);
    },
  };
}

import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

// Keeps one local-stack service running: when its process dies without being told to, it is started
// again with the very same command line (same port, same file-backed database), so the clients that
// reconnect find their state where they left it. Restarts are bounded so a service that cannot start
// stops being retried instead of looping forever.

export interface SupervisedService {
  name: string;
  /** Replaced in place on every restart, so whoever stops the stack stops the current process. */
  proc: ChildProcess;
  logFile: string;
}

export interface SupervisorOptions {
  /** Starts the service again, same command line; returns the new (guard) process. */
  respawn: () => ChildProcess;
  /** Resolves once the restarted service answers (same probe as at start-up). */
  ready: () => Promise<unknown>;
  /** True once the stack is stopping: an exit then is expected and nothing restarts. */
  stopping: () => boolean;
  log: (line: string) => void;
  /** At most this many restarts within `windowMs` (then the supervisor gives up and says so). */
  maxRestarts?: number;
  windowMs?: number;
}

export interface Supervisor {
  /** Restarts completed so far (the service answered again after each). */
  restarts(): number;
  /** PID of the service process itself (the guard's child), for chaos runs and tests that kill it. */
  servicePid(): number | undefined;
  /** Resolves after the next completed restart. */
  nextRestart(): Promise<void>;
}

function tail(file: string, lines = 15): string {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Children of a process, from /proc (Linux): the guard runs exactly one, the service. */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export function supervise(service: SupervisedService, opts: SupervisorOptions): Supervisor {
  const maxRestarts = opts.maxRestarts ?? 10;
  const windowMs = opts.windowMs ?? 5 * 60_000;
  const restartTimes: number[] = [];
  let completed = 0;
  let waiters: (() => void)[] = [];

  const watch = (proc: ChildProcess) => {
    proc.once('exit', (code, signal) => {
      if (opts.stopping()) return;
      void restart(code, signal);
    });
  };

  async function restart(code: number | null, signal: NodeJS.Signals | null) {
    const now = Date.now();
    while (restartTimes.length && now - restartTimes[0]! > windowMs) restartTimes.shift();
    opts.log(`${service.name} exited unexpectedly (${signal ?? `code ${code}`}); its log ends:\n${tail(service.logFile)}`);
    if (restartTimes.length >= maxRestarts) {
      opts.log(`${service.name}: ${maxRestarts} restarts within ${windowMs / 1000}s; giving up, the stack runs without it`);
      return;
    }
    restartTimes.push(now);
    // A short pause lets the OS release the port the dead process held.
    await new Promise((r) => setTimeout(r, 250 * restartTimes.length));
    if (opts.stopping()) return;
    opts.log(`${service.name}: restarting on the same port and data (restart ${restartTimes.length} of at most ${maxRestarts})`);
    service.proc = opts.respawn();
    watch(service.proc);
    try {
      await opts.ready();
    } catch (err) {
      // The new process may still be alive but not answering; if it dies, its exit restarts it again.
      opts.log(`${service.name}: not answering after the restart (${(err as Error).message})`);
      return;
    }
    if (opts.stopping()) return;
    completed++;
    opts.log(`${service.name} is back (restart ${completed})`);
    const w = waiters;
    waiters = [];
    for (const resolve of w) resolve();
  }

  watch(service.proc);
  return {
    restarts: () => completed,
    servicePid: () => (service.proc.pid ? childPids(service.proc.pid)[0] : undefined),
    nextRestart: () => new Promise<void>((resolve) => waiters.push(resolve)),
  };
}

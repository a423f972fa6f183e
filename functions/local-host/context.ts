import { randomUUID } from 'node:crypto';
import { InvocationContext, type LogLevel } from '@azure/functions';

export type HostLog = (level: LogLevel, message: string) => void;

/** The invocation context the Functions host would pass one call of a function. */
export function contextFor(functionName: string, log: HostLog, triggerMetadata?: Record<string, unknown>) {
  return new InvocationContext({
    invocationId: randomUUID(),
    functionName,
    logHandler: (level, ...args) => log(level, args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')),
    ...(triggerMetadata ? { triggerMetadata } : {}),
  });
}

/** Work a trigger started and the host waits for before it closes (and tests wait on through idle()). */
export class InFlight {
  private readonly work = new Set<Promise<unknown>>();

  track<T>(p: Promise<T>): Promise<T> {
    this.work.add(p);
    void p.then(
      () => this.work.delete(p),
      () => this.work.delete(p),
    );
    return p;
  }

  /** Resolves once everything tracked so far, and anything it started meanwhile, has settled. */
  async idle(): Promise<void> {
    while (this.work.size) await Promise.allSettled([...this.work]);
  }
}

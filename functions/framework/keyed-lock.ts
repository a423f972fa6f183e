/**
 * Runs tasks with the same key one after another inside this process. Firestore transactions already
 * serialise concurrent writers across instances; this keeps one instance (or the local host, whose
 * Firestore emulator does not isolate transactions) from racing itself on one scan or one
 * Idempotency-Key, and it saves duplicate work when four upload events for one scan arrive together.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(task);
    const tail = current.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await current;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}

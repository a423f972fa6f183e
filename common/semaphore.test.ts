import { describe, expect, it } from 'vitest';
import { Semaphore } from './semaphore';

describe('Semaphore', () => {
  it('never lets more than its size run at once, and releases on failure', async () => {
    const s = new Semaphore(2);
    let running = 0;
    let max = 0;
    const job = (fail: boolean) =>
      s.use(async () => {
        running++;
        max = Math.max(max, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        if (fail) throw new Error('boom');
      });
    const results = await Promise.allSettled([job(false), job(true), job(false), job(true), job(false)]);
    expect(max).toBe(2);
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(2);
    expect(s.inUse).toBe(0);
  });

  it('a waiter whose signal aborts leaves the queue', async () => {
    const s = new Semaphore(1);
    let release!: () => void;
    const holder = s.use(() => new Promise<void>((r) => (release = r)));
    const ac = new AbortController();
    const waiter = s.use(async () => 'ran', ac.signal);
    ac.abort(new Error('cancelled'));
    await expect(waiter).rejects.toThrow('cancelled');
    release();
    await holder;
    expect(await s.use(async () => 'next')).toBe('next');
  });
});

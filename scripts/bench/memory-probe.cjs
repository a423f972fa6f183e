// Preloaded (`node --require`) by the bench into both worker processes of its memory section, ours and
// the bare SDK worker: on the bench's IPC request it answers with process.memoryUsage() and the V8 heaps
// of the process's worker threads (the SDK runs workflows in them, so parked workflows live there, not in
// the main heap), so the bench can split resident memory into V8 heaps, external (Buffers, ArrayBuffers)
// and native. Byte counts only; nothing of the process's data. Bench-only, so the production worker has
// no such surface. CommonJS and no dependencies: it loads the same way into the compiled worker and the bare one.
const threads = require('node:worker_threads');

const running = new Set();
// The SDK constructs its workflow threads through this export, so the threads it starts are seen here.
threads.Worker = class extends threads.Worker {
  constructor(...args) {
    super(...args);
    running.add(this);
    this.once('exit', () => running.delete(this));
  }
};

async function threadHeaps() {
  const stats = await Promise.all([...running].map((w) => w.getHeapStatistics().catch(() => undefined)));
  const live = stats.filter(Boolean);
  return {
    count: live.length,
    heapUsed: live.reduce((sum, s) => sum + s.used_heap_size, 0),
    heapTotal: live.reduce((sum, s) => sum + s.total_heap_size, 0),
  };
}

if (process.send) {
  process.on('message', (message) => {
    if (message === 'memoryUsage')
      void threadHeaps().then((workerThreads) => process.send({ memoryUsage: process.memoryUsage(), workerThreads }));
  });
  // The channel must not keep a worker alive that would otherwise exit.
  process.channel?.unref();
}

// Preloaded (`node --require`) by the bench into both worker processes of its memory section, ours and
// the bare SDK worker: on the bench's IPC request it answers with process.memoryUsage(), so the bench can
// split each process's resident memory into V8 heap, external (Buffers, ArrayBuffers) and native. Byte
// counts only; nothing of the process's data. Bench-only, so the production worker has no such surface.
// CommonJS and no dependencies: it must load the same way into the compiled worker and the bare one.
if (process.send) {
  process.on('message', (message) => {
    if (message === 'memoryUsage') process.send({ memoryUsage: process.memoryUsage() });
  });
  // The channel must not keep a worker alive that would otherwise exit.
  process.channel?.unref();
}

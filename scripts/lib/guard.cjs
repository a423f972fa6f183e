#!/usr/bin/env node
// Usage: node guard.cjs <command> [args...]
// Runs the command in a process group of its own and ends that whole group when our stdin closes
// (the parent died, however it died: Ctrl-C, SIGKILL, a crash) or when we are told to stop.
// This is what keeps the local stack from leaving orphan servers and bound ports behind.
'use strict';
const { spawn } = require('node:child_process');

const [command, ...args] = process.argv.slice(2);
if (!command) {
  process.stderr.write('usage: guard.cjs <command> [args...]\n');
  process.exit(64);
}
const child = spawn(command, args, { detached: true, stdio: ['ignore', 'inherit', 'inherit'] });
const GRACE_MS = Number(process.env.GUARD_GRACE_MS || 8000);
let stopping = false;

function killGroup(signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}
function stop() {
  if (stopping) return;
  stopping = true;
  killGroup('SIGTERM');
  setTimeout(() => {
    killGroup('SIGKILL');
    process.exit(1);
  }, GRACE_MS).unref();
}

child.on('error', (err) => {
  process.stderr.write(`guard: cannot start ${command}: ${err.message}\n`);
  process.exit(127);
});
child.on('exit', (code, signal) => {
  killGroup('SIGKILL'); // grandchildren go with it
  process.exit(code ?? (signal ? 128 : 1));
});
process.stdin.on('end', stop);
process.stdin.on('close', stop);
process.stdin.on('error', stop);
process.stdin.resume();
for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(s, stop);

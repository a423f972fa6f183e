#!/usr/bin/env node
// Usage: node firestore-emulator.cjs <port>
// The Firestore emulator (@firestore-emulator/server, gRPC) as a child process of the local stack.
'use strict';
const { FirestoreServer } = require('@firestore-emulator/server');

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write('usage: firestore-emulator.cjs <port>\n');
  process.exit(64);
}
const server = new FirestoreServer();
server.start(port).then(
  () => process.stdout.write(`firestore emulator listening on 127.0.0.1:${port}\n`),
  (err) => {
    process.stderr.write(`firestore emulator failed: ${err.message}\n`);
    process.exit(1);
  },
);
const stop = () => Promise.resolve(server.stop?.()).finally(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

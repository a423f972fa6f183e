#!/usr/bin/env bash
# Runs Temporal's time-skipping test server that install.sh put in .tools/. @temporalio/testing starts it
# as `<this file> <port> [extraArgs...]` (TestServerConfig in core-bridge's sdk-core) and gives it 5 s to
# answer on 127.0.0.1:<port>.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/cache-dir.sh"
if [ ! -f "$lib/.complete" ]; then
  echo "[temporal-test-server] not installed: run bash scripts/temporal-test-server/install.sh" >&2
  exit 69
fi
java="${JAVA_HOME:+$JAVA_HOME/bin/}java"
# The SDK kills the server on teardown; if the test process dies first (a crash, SIGKILL), nothing would:
# this watchdog ends the server (this PID, java after the exec below) once the process that started it
# is gone, and ends itself with the server.
parent=$PPID
self=$$
(
  while kill -0 "$self" 2>/dev/null && kill -0 "$parent" 2>/dev/null; do sleep 1; done
  kill -0 "$self" 2>/dev/null && kill -KILL "$self" 2>/dev/null
) </dev/null >/dev/null 2>&1 &
# Start-up speed over peak speed (C1 only, serial GC, class data sharing): the server lives for one test file.
exec "$java" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto \
  -cp "$lib/*" io.temporal.testserver.TestServer "$@"

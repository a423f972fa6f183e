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
# The SDK kills the server on teardown; if the test process dies first (a crash, SIGKILL), nothing would:
# this watchdog ends the server (this PID, java after the exec below) once the process that started it
# is gone, and ends itself with the server.
parent=$PPID
self=$$
(
  while kill -0 "$self" 2>/dev/null && kill -0 "$parent" 2>/dev/null; do sleep 1; done
  kill -0 "$self" 2>/dev/null && kill -KILL "$self" 2>/dev/null
) </dev/null >/dev/null 2>&1 &
# The class data archive install.sh wrote (if it could) makes the start fit the SDK's 5 s on a busy machine;
# an archive the JVM cannot use is skipped silently (-Xshare:auto).
archive=()
if [ -f "$cds" ]; then archive=(-XX:SharedArchiveFile="$cds" -Xshare:auto -Xlog:cds=off -Xlog:cds+dynamic=off); fi
exec "$java" "${jvm_flags[@]}" "${archive[@]}" -cp "$lib/*" io.temporal.testserver.TestServer "$@"

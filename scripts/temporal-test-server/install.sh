#!/usr/bin/env bash
# Puts Temporal's Java time-skipping test server and its runtime dependencies (Maven Central, via mvn)
# into the ignored .tools/ cache, once per pom.xml, and prints the launcher's path. Needs java 17+ and mvn.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/cache-dir.sh"

if [ ! -f "$lib/.complete" ]; then
  for tool in java mvn; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "[temporal-test-server] '$tool' is not on PATH: the time-skipping test server needs Java 17+ and Maven (Debian: openjdk-17-jre-headless, maven)" >&2
      exit 69
    fi
  done
  echo "[temporal-test-server] fetching io.temporal:temporal-test-server and its dependencies from Maven Central into $lib (first time only)" >&2
  mkdir -p "$(dirname "$lib")"
  tmp="$(mktemp -d "$(dirname "$lib")/.temporal-test-server.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  # The plugin is named in full: nothing but it and the server's artifacts is resolved.
  if ! mvn -B -f "$here/pom.xml" \
    org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp/lib" >"$tmp/mvn.log" 2>&1; then
    cat "$tmp/mvn.log" >&2
    echo "[temporal-test-server] mvn could not fetch the test server (output above): Maven Central unreachable or the version gone" >&2
    exit 69
  fi
  touch "$tmp/lib/.complete"
  # Two installs at once: the first rename wins, the other drops its copy.
  mv -T "$tmp/lib" "$lib" 2>/dev/null || true
fi

# @temporalio/testing gives the server 5 s to answer; a JVM on a loaded 2-core machine needs 3 s or more
# just to load the server's classes. A class data archive of one start (Java's AppCDS, about 20 MB)
# brings that under 1.5 s. Without one, launch.sh starts the server all the same.
if [ ! -f "$cds" ]; then
  echo "[temporal-test-server] writing the class data archive $cds (first time only)" >&2
  part="$cds.$$.part"
  "$java" -XX:ArchiveClassesAtExit="$part" "${jvm_flags[@]}" -cp "$lib/*" io.temporal.testserver.TestServer 0 \
    >"$part.log" 2>&1 &
  pid=$!
  sleep 6 # past start-up: the archive holds the classes loaded so far
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [ -s "$part" ]; then mv -f "$part" "$cds"; else echo "[temporal-test-server] no archive written (see $part.log); starting without one" >&2; fi
  rm -f "$part" "$part.log"
fi
echo "$here/launch.sh"
